import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuHasVnni, recommendedModel } from './model-choice.ts';

test('int8 is recommended only where the CPU has VNNI', () => {
  const avx512vnni = 'processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n';
  const avxvnni = 'flags\t\t: fpu sse2 avx2 avx_vnni\n';
  const avx2 = 'flags\t\t: fpu sse2 avx2 fma\n';
  assert.equal(cpuHasVnni(avx512vnni), true);
  assert.equal(cpuHasVnni(avxvnni), true);
  assert.equal(cpuHasVnni(avx2), false);
  assert.equal(cpuHasVnni(''), false);
  assert.equal(recommendedModel(avx512vnni), 'lite-int8');
  assert.equal(recommendedModel(avx2), 'lite');
  assert.ok(['lite', 'lite-int8'].includes(recommendedModel()), 'this machine gets one of the two');
});
