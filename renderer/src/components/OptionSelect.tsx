import type { SelectHTMLAttributes } from 'react';

type OptionSelectProps<T extends string> = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange'> & {
  options: readonly { id: T; label: string }[];
  value: T;
  onValueChange: (value: T) => void;
};

/** A <select> over a data-driven `{ id, label }` list (environments, regions, roles…). Extra props reach the <select>, so Field can label it. */
export function OptionSelect<T extends string>({ options, value, onValueChange, ...rest }: OptionSelectProps<T>) {
  return (
    <select {...rest} value={value} onChange={(e) => onValueChange(e.target.value as T)}>
      {options.map((o) => (
        <option key={o.id} value={o.id}>
          {o.label}
        </option>
      ))}
    </select>
  );
}
