// Focus after a refused form: where keyboard and screen-reader users find what to fix.
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';

/**
 * After a refused submit (`failures` counts them), move focus to the first field the hub or the form
 * marked invalid, so keyboard and screen-reader users land on what to fix.
 */
function useFocusFirstInvalid(form: RefObject<HTMLElement | null>, failures: number): void {
  useEffect(() => {
    if (failures === 0) return;
    const invalid = form.current?.querySelector<HTMLElement>('[aria-invalid="true"], .field-invalid input, [role="alert"]');
    if (invalid && invalid.getAttribute('role') === 'alert') invalid.setAttribute('tabindex', '-1');
    invalid?.focus();
  }, [form, failures]);
}

/**
 * A form that moves focus to what to fix each time it is refused: attach `form` to the <form> and
 * call `refused()` after a refusal (the hub's or the form's own check).
 */
export function useRefusalFocus(): { form: RefObject<HTMLFormElement | null>; refused: () => void } {
  const form = useRef<HTMLFormElement>(null);
  const [failures, setFailures] = useState(0);
  useFocusFirstInvalid(form, failures);
  const refused = useCallback(() => setFailures((n) => n + 1), []);
  return { form, refused };
}
