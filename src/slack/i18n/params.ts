/**
 * The parameters of an ICU message, read from its text by the type checker,
 * so a message's params are written once: in the message.
 *
 *   "{user} ticked *{label}*."                       → { user: string | number; label: string | number }
 *   "{count, plural, one {# invoice} other {# invoices}}" → { count: number }
 *
 * `{name}` and `{name, select, …}` take a string or a number; `{name, plural, …}`,
 * `{name, selectordinal, …}` and `{name, number}` take a number. Arguments inside
 * a plural's options (`one {# invoice for {client}}`) are found too. A plural or
 * select nested inside another one is not read: such a message asks for a param
 * of type `never`, so no call compiles until this reader learns it.
 * Apostrophe quoting is not read either (the catalog does not use it).
 */
export type MessageParams<S extends string> = ToParams<Scan<S, never, never>>;

/** What a params object looks like: [names taking text, names taking a number]. */
type Found = [text: string, numeric: string];

type ToParams<F extends Found> = F extends [infer Text extends string, infer Numeric extends string]
  ? { [K in Text | Numeric]: K extends Unsupported ? never : K extends Numeric ? number : string | number }
  : never;

type Blank = " " | "\n" | "\t";
type TrimStart<S extends string> = S extends `${Blank}${infer R}` ? TrimStart<R> : S;
type TrimEnd<S extends string> = S extends `${infer R}${Blank}` ? TrimEnd<R> : S;
type Trim<S extends string> = TrimEnd<TrimStart<S>>;

/** Plain text: on to the next `{`. */
type Scan<S extends string, Text extends string, Numeric extends string> = S extends `${string}{${infer Rest}` ? Argument<Rest, Text, Numeric> : [Text, Numeric];

/** Just after a `{`: `name}` or `name, kind…}`. */
type Argument<R extends string, Text extends string, Numeric extends string> = R extends `${infer Head}}${infer After}`
  ? Head extends `${infer Name},${infer Kind}`
    ? R extends `${string},${infer Rest}`
      ? Formatted<Trim<Name>, Rest, Trim<Kind extends `${infer K},${string}` ? K : Kind>, After, Text, Numeric>
      : never
    : Scan<After, Text | Trim<Head>, Numeric>
  : [Text, Numeric];

/** `{name, kind, …}`: plurals and selects have options to read; `number`, `date`… end at the first `}`. */
type Formatted<Name extends string, Rest extends string, Kind extends string, After extends string, Text extends string, Numeric extends string> =
  Kind extends "plural" | "selectordinal"
    ? Rest extends `${string},${infer Options}`
      ? Options_<Options, Text, Numeric | Name>
      : never
    : Kind extends "select"
      ? Rest extends `${string},${infer Options}`
        ? Options_<Options, Text | Name, Numeric>
        : never
      : Kind extends "number"
        ? Scan<After, Text, Numeric | Name>
        : Scan<After, Text | Name, Numeric>;

/** ` one {…} other {…}}`: each option's text up to its `}`, until the `}` that closes the argument. */
type Options_<B extends string, Text extends string, Numeric extends string> =
  TrimStart<B> extends `}${infer After}` ? Scan<After, Text, Numeric> : B extends `${string}{${infer Content}` ? Option<Content, Text, Numeric> : [Text, Numeric];

/** Inside one option: simple `{name}` arguments, then the `}` that ends the option. */
type Option<C extends string, Text extends string, Numeric extends string> = C extends `${infer Before}}${infer After}`
  ? Before extends `${string}{${infer Inner}`
    ? Inner extends `${string}${"," | "{"}${string}`
      ? [Text | Unsupported, Numeric]
      : Option<After, Text | Trim<Inner>, Numeric>
    : Options_<After, Text, Numeric>
  : [Text, Numeric];

/** A plural or select inside another: see above. */
type Unsupported = "nested plural or select: not supported by MessageParams";

/** True when two messages take the same params (names and kinds). */
export type SameParams<A extends string, B extends string> =
  [MessageParams<A>] extends [MessageParams<B>] ? ([MessageParams<B>] extends [MessageParams<A>] ? true : false) : false;
