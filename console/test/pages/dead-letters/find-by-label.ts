import createWrapper from '@cloudscape-design/components/test-utils/dom';

/**
 * Cloudscape wrappers found as a person finds them: by their visible label. Tests that click
 * "Redrive" by its text fail when the label changes, as an end-to-end test would.
 */

/** Any wrapper: the page's, a modal's, a tab's content. */
type Root = { getElement(): Element };

const wrap = (root: Root) => createWrapper(root.getElement() as HTMLElement);

export function buttonByText(root: Root, text: string) {
  return wrap(root)
    .findAllButtons()
    .find((button) => button.findTextRegion()?.getElement().textContent?.trim() === text);
}

export function inputByLabel(root: Root, label: string) {
  return wrap(root)
    .findAllInputs()
    .find((input) => input.findNativeInput().getElement().getAttribute('aria-label') === label);
}

/** The open modal: modals render outside the page's container, at the end of the document's body. */
export const openModal = () =>
  createWrapper(document.body)
    .findAllModals()
    .find((modal) => modal.isVisible());

/** A disabled button's reason, as a screen reader reads it (Cloudscape shows it on hover). */
export function disabledReasonOf(button: Root | undefined): string | undefined {
  const id = button?.getElement().getAttribute('aria-describedby');
  return id ? (document.getElementById(id)?.textContent ?? undefined) : undefined;
}
