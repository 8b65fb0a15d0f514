import Flashbar, { type FlashbarProps } from '@cloudscape-design/components/flashbar';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';

type Notice = { type: 'success' | 'error' | 'info' | 'warning'; content: ReactNode; header?: ReactNode };

const NotifyContext = createContext<((notice: Notice) => void) | undefined>(undefined);

/** Page-level messages (saved, published, failed) in one Flashbar above every page. */
export function NotificationsProvider({ children }: { children: (flashbar: ReactNode) => ReactNode }) {
  const [items, setItems] = useState<FlashbarProps.MessageDefinition[]>([]);
  const notify = useCallback((notice: Notice) => {
    const id = `${Date.now()}-${Math.random()}`;
    const dismiss = () => setItems((current) => current.filter((item) => item.id !== id));
    setItems((current) => [
      ...current.slice(-2),
      { ...notice, id, dismissible: true, dismissLabel: 'Dismiss', onDismiss: dismiss },
    ]);
  }, []);
  const flashbar = useMemo(() => <Flashbar items={items} />, [items]);
  return <NotifyContext.Provider value={notify}>{children(flashbar)}</NotifyContext.Provider>;
}

export function useNotify(): (notice: Notice) => void {
  return useContext(NotifyContext) ?? (() => undefined);
}
