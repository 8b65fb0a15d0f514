import createWrapper, {
  type ButtonWrapper,
  type FormFieldWrapper,
  type InputWrapper,
} from '@cloudscape-design/components/test-utils/dom';
import { fireEvent, waitFor } from '@testing-library/react';

/**
 * Finds what a person and the end-to-end tests find: buttons by their text, fields by their label,
 * the open modal. A test that clicks "Redrive" by its text fails when the label changes, as an
 * end-to-end test would. Each finder looks in `within` (a page's, modal's or tab's wrapper), by
 * default the whole document.
 */

/** The whole document: Cloudscape renders modals in a portal outside the page's container. */
export const screen = () => createWrapper(document.body);

type Within = { getElement(): Element };

const textOf = (wrapper: Within) => wrapper.getElement().textContent?.trim() ?? '';

/** Any wrapper (a modal's too) with every finder: component wrappers only have their own. */
const all = (within: Within) => createWrapper(within.getElement() as HTMLElement);

/** The visible modal, failing the test when there is none (hidden ones may stay mounted). */
export function openModal() {
  const modal = screen()
    .findAllModals()
    .find((candidate) => candidate.isVisible());
  if (!modal) throw new Error('no modal is open');
  return modal;
}

/**
 * The one button reading exactly `text` (its own text, not a disabled button's reason, which is its
 * description); fails when there is none or more than one.
 */
export function buttonNamed(text: string, within: Within = screen()): ButtonWrapper {
  const matches = all(within)
    .findAllButtons()
    .filter((button) => textOf(button.findTextRegion() ?? button) === text);
  if (matches.length !== 1) throw new Error(`${matches.length} buttons read "${text}"`);
  return matches[0];
}

/** A disabled button's reason, as a screen reader reads it (Cloudscape shows it on hover). */
export function disabledReasonOf(button: Within): string | undefined {
  const id = button.getElement().getAttribute('aria-describedby');
  return id ? (document.getElementById(id)?.textContent ?? undefined) : undefined;
}

/** Clicks like a person: React sees a real click event, inside `act`. */
export function click(wrapper: Within) {
  fireEvent.click(wrapper.getElement());
}

/** The input whose accessible name (`aria-label`) is `label`: inputs outside a form field. */
export function inputByLabel(label: string, within: Within = screen()): InputWrapper {
  const input = all(within)
    .findAllInputs()
    .find((candidate) => candidate.findNativeInput().getElement().getAttribute('aria-label') === label);
  if (!input) throw new Error(`no input labelled "${label}"`);
  return input;
}

/** "Expires - optional" and "Rename to (optional)" are found as "Expires" and "Rename to". */
const withoutOptional = (label: string) => label.replace(/\s*(- ?optional|\(optional\))$/, '');

/** The form field labelled `label` (an optional field also without its marker); fails when none is. */
export function fieldLabelled(label: string, within: Within = screen()): FormFieldWrapper {
  const fields = all(within).findAllFormFields();
  const labelOf = (field: FormFieldWrapper) => {
    const found = field.findLabel();
    return found ? textOf(found) : undefined;
  };
  const field =
    fields.find((candidate) => labelOf(candidate) === label) ??
    fields.find((candidate) => withoutOptional(labelOf(candidate) ?? '') === label);
  if (!field) throw new Error(`no field labelled "${label}"`);
  return field;
}

/** The labels of the form fields shown, in order. */
export function fieldLabels(within: Within = screen()): string[] {
  return all(within)
    .findAllFormFields()
    .flatMap((field) => {
      const label = field.findLabel();
      return label ? [textOf(label)] : [];
    });
}

/** Types `value` into the input of the field labelled `label`. */
export function typeInto(label: string, value: string, within: Within = screen()) {
  const input = fieldLabelled(label, within).findControl()?.findInput();
  if (!input) throw new Error(`the field labelled "${label}" has no input`);
  input.setInputValue(value);
}

/** The error shown under the field labelled `label`, if any. */
export function errorOf(label: string, within: Within = screen()): string | undefined {
  const error = fieldLabelled(label, within).findError();
  return error ? textOf(error) : undefined;
}

/** The table's body as text: one array of cell texts per row. */
export function tableRows(within: Within = screen()): string[][] {
  const table = all(within).findTable();
  if (!table) throw new Error('no table');
  return table.findRows().map((row) => row.findAll('td, th').map((cell) => textOf(cell)));
}

/**
 * `waitFor` that ignores attribute changes: Cloudscape's finders mark the element they search
 * under with a temporary attribute, so a watch on attributes would rerun the assertion forever
 * (each run is a mutation) and the test would hang instead of failing.
 */
export function eventually(assertion: () => void): Promise<void> {
  return waitFor(assertion, {
    mutationObserverOptions: { subtree: true, childList: true, characterData: true },
  });
}
