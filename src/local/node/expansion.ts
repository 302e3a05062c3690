// Kubernetes' `$(VAR)` expansion, as the kubelet applies it to env values, command and args:
// `$(NAME)` becomes the variable's value when NAME is defined and stays verbatim otherwise,
// `$$` is an escaped `$`, and a `$` that starts neither is kept as it is ("$x", "$(open").

/** Looks a variable up; undefined when it is not defined. */
export type VariableLookup = (name: string) => string | undefined;

export function expand(input: string, lookup: VariableLookup): string {
  let output = '';
  let index = 0;
  while (index < input.length) {
    const dollar = input.indexOf('$', index);
    // A `$` as the very last character cannot start anything.
    if (dollar === -1 || dollar === input.length - 1) break;
    output += input.slice(index, dollar);
    const next = input[dollar + 1];
    if (next === '$') {
      output += '$';
      index = dollar + 2;
    } else if (next === '(') {
      const close = input.indexOf(')', dollar + 2);
      if (close === -1) {
        // An unclosed reference: keep "$(" and scan on after it.
        output += '$(';
        index = dollar + 2;
      } else {
        const name = input.slice(dollar + 2, close);
        output += lookup(name) ?? `$(${name})`;
        index = close + 1;
      }
    } else {
      output += `$${next ?? ''}`;
      index = dollar + 2;
    }
  }
  return output + input.slice(index);
}

export function lookupIn(variables: ReadonlyMap<string, string> | Record<string, string>): VariableLookup {
  if (variables instanceof Map) return (name) => (variables as ReadonlyMap<string, string>).get(name);
  const record = variables as Record<string, string>;
  return (name) => (Object.hasOwn(record, name) ? record[name] : undefined);
}
