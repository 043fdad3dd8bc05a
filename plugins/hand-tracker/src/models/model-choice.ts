/**
 * Which landmark model suits this CPU. The int8 models run onnxruntime's u8×s8 kernels; on x86
 * CPUs with VNNI (AVX512-VNNI or AVX-VNNI) those are exact and about twice as fast as float,
 * without it they can saturate (onnxruntime's quantization notes), so float stays the choice.
 */
import { readFileSync } from 'node:fs';
import type { ModelVariant } from './sources.ts';

/** Whether this CPU has VNNI (read from /proc/cpuinfo; false where that cannot be read). */
export function cpuHasVnni(cpuinfo?: string): boolean {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return false;
    }
  }
  const flags = /^flags\s*:(.*)$/m.exec(text)?.[1]?.split(/\s+/) ?? [];
  return flags.includes('avx512_vnni') || flags.includes('avx_vnni');
}

/** The fastest accurate model for this CPU: `lite-int8` with VNNI, else `lite`. */
export function recommendedModel(cpuinfo?: string): ModelVariant {
  return cpuHasVnni(cpuinfo) ? 'lite-int8' : 'lite';
}
