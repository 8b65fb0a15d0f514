import createWrapper, {
  type ButtonWrapper,
  type FormFieldWrapper,
} from '@cloudscape-design/components/test-utils/dom';

/** Finds what the end-to-end tests find: buttons by their text, fields by their label. */

/**
 * Cloudscape's test utils click and type inside `React.act`, which warns unless the environment
 * says it is a test; Testing Library says so only inside its own calls. Call it in `beforeAll`.
 */
export function actLikeTestingLibrary() {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
}

type Within = { getElement(): Element };

const textOf = (wrapper: Within) => wrapper.getElement().textContent?.trim() ?? '';
const everything = (within: Within) => createWrapper(within.getElement() as HTMLElement);

/**
 * The one button reading exactly `text` (its own text, not a disabled button's reason, which is its
 * description); fails when there is none or more than one.
 */
export function buttonNamed(within: Within, text: string): ButtonWrapper {
  const matches = everything(within)
    .findAllButtons()
    .filter((button) => textOf(button.findTextRegion() ?? button) === text);
  if (matches.length !== 1) throw new Error(`${matches.length} buttons read "${text}"`);
  return matches[0];
}

/** The form field whose label is exactly `label`; undefined when there is none. */
export function fieldLabelled(within: Within, label: string): FormFieldWrapper | undefined {
  return everything(within)
    .findAllFormFields()
    .find((field) => {
      const found = field.findLabel();
      return found !== null && textOf(found) === label;
    });
}

/** The labels of the form fields shown, in order. */
export function fieldLabels(within: Within): string[] {
  return everything(within)
    .findAllFormFields()
    .flatMap((field) => {
      const label = field.findLabel();
      return label ? [textOf(label)] : [];
    });
}

/** Types `value` into the input of the field labelled `label`. */
export function typeInto(within: Within, label: string, value: string) {
  const input = fieldLabelled(within, label)?.findControl()?.findInput();
  if (!input) throw new Error(`no input labelled "${label}"`);
  input.setInputValue(value);
}

export function errorOf(within: Within, label: string): string | undefined {
  const error = fieldLabelled(within, label)?.findError();
  return error ? textOf(error) : undefined;
}

/** The table's body as text: one array of cell texts per row. */
export function tableRows(within: Within): string[][] {
  const table = everything(within).findTable();
  if (!table) throw new Error('no table');
  return table.findRows().map((row) => row.findAll('td, th').map((cell) => textOf(cell)));
}
