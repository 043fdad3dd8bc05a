/**
 * Params are a plugin's knobs: the studio shows each as a control and the plugin reads the
 * current values from `ctx.params`.
 *
 * @packageDocumentation
 */

interface ParamBase {
  /** Label shown in the studio; defaults to the param's key. */
  readonly label?: string;
  /** One sentence shown as a tooltip. */
  readonly description?: string;
}

/** A number in a range, shown as a slider. */
export interface NumberParam extends ParamBase {
  /** Says this is a number. */
  readonly type: 'number';
  /** The value until the player moves the slider. */
  readonly default: number;
  /** Lowest value (inclusive). */
  readonly min: number;
  /** Highest value (inclusive). */
  readonly max: number;
  /** Slider step. Default: `(max - min) / 100`. */
  readonly step?: number;
}

/** An on/off switch. */
export interface BooleanParam extends ParamBase {
  /** Says this is a switch. */
  readonly type: 'boolean';
  /** The value until the player flips it. */
  readonly default: boolean;
}

/** One of a fixed set of strings, shown as a select. */
export interface ChoiceParam<T extends string = string> extends ParamBase {
  /** Says this is a choice. */
  readonly type: 'choice';
  /** The strings to choose from, in the order shown. */
  readonly choices: readonly T[];
  /** The choice until the player picks another; one of `choices`. */
  readonly default: T;
}

/** Any param declaration. */
export type ParamSpec = NumberParam | BooleanParam | ChoiceParam;

/** A plugin's param declarations, by key. */
export type ParamSpecs = Readonly<Record<string, ParamSpec>>;

/** The value type of one param declaration. */
export type ParamValue<P extends ParamSpec> = P extends NumberParam
  ? number
  : P extends BooleanParam
    ? boolean
    : P extends ChoiceParam<infer T>
      ? T
      : never;

/** Current values of a plugin's params, as `ctx.params` holds them. */
export type ParamValues<P extends ParamSpecs> = { readonly [K in keyof P]: ParamValue<P[K]> };

/** The defaults of a set of param declarations. */
export function defaultParams<P extends ParamSpecs>(specs: P): ParamValues<P> {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) values[key] = spec.default;
  return values as ParamValues<P>;
}
