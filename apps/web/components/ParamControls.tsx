'use client';
import type { PluginInfo } from '@bambam/protocol';
/**
 * The running instrument's params as controls: numbers as sliders, booleans as switches,
 * choices as selects. Changes go to the engine (`plugin:params`) as you move them.
 */
import type { ParamSpec } from '@bambam/sdk';
import { useEffect, useRef, useState } from 'react';
import type { EngineClient } from '../lib/engine-client.ts';

type Value = number | boolean | string;

export function ParamControls({ client, plugin }: { client: EngineClient; plugin: PluginInfo | null }) {
  const [error, setError] = useState<string | null>(null);
  const entries = Object.entries(plugin?.params ?? {});
  const send = async (key: string, value: Value) => {
    const ack = await client.setParams({ [key]: value });
    setError(ack.ok ? null : ack.error.message);
  };
  return (
    <section className="panel" aria-label="Params">
      <h3>Params</h3>
      {entries.length === 0 ? (
        <p className="muted">{plugin ? `${plugin.name} has no params.` : 'Waiting for the engine…'}</p>
      ) : (
        <div className="params">
          {entries.map(([key, spec]) => (
            <ParamControl
              key={`${plugin?.name}:${key}`}
              name={key}
              spec={spec}
              value={plugin?.paramValues[key] ?? spec.default}
              onChange={(value) => void send(key, value)}
            />
          ))}
        </div>
      )}
      {error && <p className="error-text">{error}</p>}
    </section>
  );
}

function ParamControl({
  name,
  spec,
  value,
  onChange,
}: {
  name: string;
  spec: ParamSpec;
  value: Value;
  onChange: (value: Value) => void;
}) {
  const label = spec.label ?? name;
  const id = `param-${name}`;
  if (spec.type === 'boolean') {
    return (
      <label className="param param-switch" title={spec.description} htmlFor={id}>
        <span>{label}</span>
        <input
          id={id}
          type="checkbox"
          role="switch"
          aria-checked={Boolean(value)}
          checked={Boolean(value)}
          onChange={(e) => onChange(e.target.checked)}
        />
      </label>
    );
  }
  if (spec.type === 'choice') {
    return (
      <label className="param" title={spec.description} htmlFor={id}>
        <span>{label}</span>
        <select id={id} value={String(value)} onChange={(e) => onChange(e.target.value)}>
          {spec.choices.map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
      </label>
    );
  }
  return <NumberSlider id={id} label={label} spec={spec} value={Number(value)} onChange={onChange} />;
}

/** A slider that follows the hand while dragging and sends at most every 60 ms. */
function NumberSlider({
  id,
  label,
  spec,
  value,
  onChange,
}: {
  id: string;
  label: string;
  spec: Extract<ParamSpec, { type: 'number' }>;
  value: number;
  onChange: (value: number) => void;
}) {
  const [local, setLocal] = useState(value);
  const dragging = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const pending = useRef<number | null>(null);
  useEffect(() => {
    if (!dragging.current) setLocal(value);
  }, [value]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const step = spec.step ?? (spec.max - spec.min) / 100;
  const decimals = Math.max(0, Math.min(4, -Math.floor(Math.log10(step || 1))));
  const push = (next: number) => {
    setLocal(next);
    pending.current = next;
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      if (pending.current !== null) onChange(pending.current);
      pending.current = null;
    }, 60);
  };
  return (
    <label className="param" title={spec.description} htmlFor={id}>
      <span>
        {label} <output>{local.toFixed(decimals)}</output>
      </span>
      <input
        id={id}
        type="range"
        min={spec.min}
        max={spec.max}
        step={step}
        value={local}
        onPointerDown={() => {
          dragging.current = true;
        }}
        onPointerUp={() => {
          dragging.current = false;
        }}
        onChange={(e) => push(Number(e.target.value))}
      />
    </label>
  );
}
