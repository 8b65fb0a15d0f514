import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';

/** The header of a list admins manage (members, API keys): its count, Refresh, and the way to add one. */
export function ManagedListHeader({
  title,
  count,
  description,
  addLabel,
  onAdd,
  onRefresh,
}: {
  title: string;
  /** How many there are; undefined while loading. */
  count: number | undefined;
  description: string;
  addLabel: string;
  onAdd: () => void;
  onRefresh: () => void;
}) {
  return (
    <Header
      variant="h1"
      counter={count === undefined ? undefined : `(${count})`}
      description={description}
      actions={
        <SpaceBetween direction="horizontal" size="xs">
          <Button iconName="refresh" ariaLabel="Refresh" onClick={onRefresh} />
          <Button variant="primary" onClick={onAdd}>
            {addLabel}
          </Button>
        </SpaceBetween>
      }
    >
      {title}
    </Header>
  );
}
