import createWrapper, {
  type ButtonWrapper,
  type FormFieldWrapper,
} from '@cloudscape-design/components/test-utils/dom';
import { fireEvent, waitFor } from '@testing-library/react';

/** The whole document: Cloudscape renders modals in a portal outside the page's container. */
export const screen = () => createWrapper(document.body);

type Within = { getElement(): Element };

const textOf = (wrapper: Within) => wrapper.getElement().textContent?.trim() ?? '';

/** Any wrapper (a modal's too) with every finder: component wrappers only have their own. */
const all = (within: Within) => createWrapper(within.getElement() as HTMLElement);

/** The visible modal, failing the test when there is none. */
export function openModal() {
  const modal = screen().findModal();
  if (!modal?.isVisible()) throw new Error('no modal is open');
  return modal;
}

/** The one button whose visible text is `text` (as the end-to-end tests find it), in `within`. */
export function buttonNamed(text: string, within: Within = screen()): ButtonWrapper {
  const matches = all(within)
    .findAllButtons()
    .filter((button) => textOf(button) === text);
  if (matches.length !== 1) throw new Error(`${matches.length} buttons read "${text}"`);
  return matches[0];
}

/** Clicks like a person: React sees a real click event, inside `act`. */
export function click(wrapper: Within) {
  fireEvent.click(wrapper.getElement());
}

/** The form field labelled `label`, in `within`. */
export function fieldLabelled(label: string, within: Within = screen()): FormFieldWrapper {
  const field = all(within)
    .findAllFormFields()
    .find((candidate) => {
      const found = candidate.findLabel();
      return found !== null && textOf(found).startsWith(label);
    });
  if (!field) throw new Error(`no field labelled "${label}"`);
  return field;
}

/** The table's body as text, one array of cell texts per row. */
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
