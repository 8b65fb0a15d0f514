const COMMON = `Options for every command:
  --api-url URL      the control-plane API: the platform stack's ControlPlaneApiUrl output, or the
                     apiUrl that npm run local prints (default EVENT_DELIVERY_API_URL)
  --json             print JSON
  --help             help for the command

Credentials for the API, the first found: EVENT_DELIVERY_API_KEY (a workspace API key, edk_…),
EVENT_DELIVERY_TOKEN (an access token), else your sign-in that login cached for that API URL
(refreshed on its own). A key or a password is never a flag: it would stay in your shell history.

Without an API URL, the operator's bootstrap only: it writes the registry table directly with
your AWS credentials (customers never get IAM access to the platform's tables), or the local
platform's with AWS_ENDPOINT_URL, which npm run local prints. The commands marked "API only"
refuse to run this way.
  --table NAME       the registry table (the platform stack's RegistryTable output; default REGISTRY_TABLE)
  --static-config F  the static config the platform was deployed with (-c destinationsFile; default:
                     STATIC_CONFIG): its workspaces' invoke accounts are refused to registry workspaces

Exit status: 0 done, 1 failed (the API's refusal: its code and message), 2 usage or a bad value.`;

const DESTINATION_FLAGS = `  Lambda:  --function-arn ARN, or --region REGION --function-name NAME [--account ACCOUNT]
             (the account: --account, else the --role-arn's, else the workspace's one invoke account)
           --invocation-type Event|RequestResponse (default Event)
  SNS:     --topic-arn ARN (standard or .fifo)
           --max-message-bytes N  the topic's MaximumMessageSize, when raised above 262144 (up to 1048576)
  Kinesis: --stream-arn ARN (a visitor's records keep their order in its shard)
  EventBridge: --event-bus-arn ARN  --source S (the events' Source, default "event-delivery")
  SQS:     --queue-arn ARN (standard or .fifo)
           --max-message-bytes N  the queue's MaximumMessageSize, when raised above 262144 (up to 1048576)
  All:     --region REGION       the resource's region: refused when its ARN says otherwise
           --role-arn ARN        the delivery role in your account (on the /event-delivery/ path); optional
                                 for Lambda when your function's resource policy grants the dispatcher
           --events A,B          event names it receives (default "*": all)
           --offload-oversize    deliver events over the size limit as a pointer to the payload bucket
           --max-events-per-second N
           --required-consent A,B  consent categories an event's visitor must have granted (none: "")
  The types and their fields, as the API has them: npm run destinations -- types WORKSPACE`;

export const HELP: Record<string, string> = {
  '': `npm run destinations -- COMMAND …

Workspaces (platform customers) and their destinations, through the control-plane API. A
destination is added to the workspace's draft; publish makes the draft live as a new version,
and the dispatcher picks it up within its cache TTL (30 s by default), with no redeploy.

Signing in:
  login --api-url URL [--username EMAIL] [--mfa-code CODE]
                                        sign in, and cache your tokens for that API URL
  logout                                forget (and revoke) the sign-in cached for the API URL
  whoami                                who you are signed in as, and your role in each workspace

Destinations:
  add WORKSPACE DESTINATION [flags]     add a destination to the draft
  update WORKSPACE DESTINATION [flags]  change a draft destination
  remove WORKSPACE DESTINATION          remove a destination from the draft
  list WORKSPACE                        the draft's destinations, and the live version
  show WORKSPACE DESTINATION            one destination, as drafted and as live
  diff WORKSPACE                        the draft against the live version
  publish WORKSPACE [--note TEXT]       make the draft live as version N+1
  versions WORKSPACE                    every published version: when, who, what changed
  rollback WORKSPACE [--to N] [--note]  make version N (default: the one before) live again, as a new version
  check WORKSPACE DESTINATION [--send-test-event] [--dispatcher-role-arn ARN]
                                        check the customer's setup, step by step
  mapping show|set|test|export …        what each destination receives (see mapping --help)
  types WORKSPACE                       each destination type and its fields (API only)
  trust-policy WORKSPACE                the trust policy of the workspace's delivery role (API only)

People, keys and the audit log (API only):
  members list|invite|set-role|remove …
  api-keys list|create|revoke …
  audit WORKSPACE [--limit N] [--cursor C]
                                        who changed what, newest first

Deliveries: what happened to them, and what to do (API only):
  health WORKSPACE [--window hour|day|week]
                                        per destination: delivered, failed, retries, dead
                                        letters, circuit, disabled, last failure
  failures WORKSPACE DESTINATION [--limit N] [--window W]
                                        a destination's recent failures, newest first
  story WORKSPACE DISTINCT_ID [--visitor-id V] [--window W]
                                        an event's story: received, each destination's outcome
  dead-letters list|show|redrive|discard …
                                        the workspace's dead letters; send them again
  alerts show|set|test …                where the workspace is told of its destinations' trouble

Operators:
  workspaces create|list|show|disable|enable|add-invoke-account …

${COMMON}`,
  login: `npm run destinations -- login --api-url URL [--username EMAIL] [--mfa-code CODE]

Signs in to the platform's user pool (the public GET /v1/sign-in names it) and caches your
tokens for that API URL in $XDG_CONFIG_HOME/event-delivery/credentials.json (~/.config when
XDG_CONFIG_HOME is unset; the file is yours alone, 0600). The access token is refreshed on its
own before it expires; then every command needs only --api-url (or EVENT_DELIVERY_API_URL).

  --username EMAIL   who you are (asked for on a terminal when left out)
  --mfa-code CODE    the code your authenticator app shows, when your account has MFA (asked for
                     on a terminal when left out)

The password: EVENT_DELIVERY_PASSWORD, else asked for without echo on a terminal, else the first
line of standard input. An invited person's first sign-in chooses a new password:
EVENT_DELIVERY_NEW_PASSWORD, else asked for (twice) on a terminal, else the next line of input.

MFA setup, when the user pool requires MFA and your account has none yet: login shows a secret
as an otpauth:// URI for your authenticator app and, on a terminal, asks for the code the app
then shows. Without a terminal it stops there (exit status 1); run login again within 3 minutes
with --mfa-code CODE to finish: the password is not asked for again.

${COMMON}`,
  logout: `npm run destinations -- logout --api-url URL

Forgets the sign-in cached for the API URL, and revokes its refresh token (and the access
tokens issued with it).

${COMMON}`,
  whoami: `npm run destinations -- whoami

Who you are signed in as (a person: an API key belongs to one workspace, and is no one), whether
you are a platform operator, and your role in each of your workspaces. API only.

${COMMON}`,
  workspaces: `npm run destinations -- workspaces COMMAND …

Platform operators only (an operator's sign-in, or the table for the bootstrap); show is for
every member of the workspace.

  create WORKSPACE                 a new workspace (1-64 letters, digits, "-", "_"), with its
                                   platform-assigned external id: give it to the customer for
                                   their delivery role's trust policy; then invite its first
                                   admin: members invite WORKSPACE EMAIL --role admin
  list                             every workspace
  show WORKSPACE                   its external id, status, live version, invoke accounts
  disable WORKSPACE                its events are dead-lettered with WorkspaceNotFound
  enable WORKSPACE                 undoes disable
  add-invoke-account WORKSPACE ACCOUNT
                                   lets the workspace's Lambda destinations in ACCOUNT be invoked
                                   without a delivery role (the customer granted the platform on
                                   the function). An account belongs to one workspace at most,
                                   static config included (for the table, give --static-config;
                                   the dispatcher refuses a static workspace's account to any
                                   other in any case): add it only once you have verified the
                                   customer owns it.

${COMMON}`,
  add: `npm run destinations -- add WORKSPACE DESTINATION [flags]

Adds a destination to the workspace's draft; publish to start sending it events.

${DESTINATION_FLAGS}

${COMMON}`,
  update: `npm run destinations -- update WORKSPACE DESTINATION [flags]

Changes the given fields of a draft destination; publish to make the change live.

${DESTINATION_FLAGS}

${COMMON}`,
  remove: `npm run destinations -- remove WORKSPACE DESTINATION\n\nRemoves a destination from the draft; publish to stop sending it events. Through the API, an admin's.\n\n${COMMON}`,
  list: `npm run destinations -- list WORKSPACE\n\nThe draft's destinations, marked with what publish would change.\n\n${COMMON}`,
  show: `npm run destinations -- show WORKSPACE DESTINATION\n\nOne destination as drafted and as live.\n\n${COMMON}`,
  diff: `npm run destinations -- diff WORKSPACE\n\nDestinations added, removed and changed in the draft against the live version.\n\n${COMMON}`,
  publish: `npm run destinations -- publish WORKSPACE [--note TEXT]

Makes the draft live as the next version, recording when, by whom and what changed. Through the
API, only over the live version it reads just before (If-Match): when someone else publishes in
between, it fails (exit status 1) and publishes nothing; look at list or versions, then try again.

${COMMON}`,
  versions: `npm run destinations -- versions WORKSPACE\n\nEvery published version, oldest first.\n\n${COMMON}`,
  rollback: `npm run destinations -- rollback WORKSPACE [--to N] [--note TEXT]

Makes an earlier version's content live again, as a new version (history is never rewritten).
Without --to, the version before the live one. The draft follows. Through the API, only over the
live version it reads just before, as publish.

${COMMON}`,
  mapping: `npm run destinations -- mapping COMMAND …

Data mapping: what each destination receives. A mapping is part of the destination: set it in
the draft, then publish. Without one, a destination gets the privacy-safe defaults (personal
data hashed or redacted; see docs/data-mapping-and-consent.md).

  show WORKSPACE DESTINATION            the mapping and required consent, drafted and live
  set WORKSPACE DESTINATION --file F    set the draft destination's mapping from a JSON file
                                        (--clear: back to the defaults)
  test WORKSPACE --events-file FILE [--draft]
                                        for each line of FILE (ingest messages) and each
                                        destination: exactly what it would receive, computed by
                                        the dispatcher's own compiled mapping; or why not
  export WORKSPACE [--format json|csv] [--draft]
                                        the compliance report: per destination, which events,
                                        which consent, and how each property is treated

${COMMON}`,
  check: `npm run destinations -- check WORKSPACE DESTINATION [--send-test-event] [--dispatcher-role-arn ARN]

Checks the customer's setup for a destination through the dispatcher's own client path:
  - the delivery role is on the /event-delivery/ path;
  - AssumeRole with the workspace's external id works, and without it is denied (if it is
    allowed, the trust policy lacks the external-id condition: any workspace could get in);
  - Lambda: Invoke with InvocationType DryRun;
  - SNS: GetTopicAttributes through the role: the topic exists, FIFO matches the ARN, its KMS
    key, and its MaximumMessageSize;
  - Kinesis: DescribeStreamSummary: the stream is active, and its KMS key;
  - EventBridge: DescribeEventBus: the bus exists, and its KMS key;
  - SQS: GetQueueAttributes: the queue exists, FIFO matches the ARN, its KMS key, and its
    MaximumMessageSize;
  - --send-test-event: delivers one test event (event "Destination Setup Check",
    event_properties.platform_setup_check = true) and reports the outcome.
Checks the live version's destination, or the draft's when it is not published yet.
The API runs it as the dispatcher. From the table, run it as the dispatcher yourself:
--dispatcher-role-arn (default DISPATCHER_ROLE_ARN) is assumed first.

${COMMON}`,
  types: `npm run destinations -- types WORKSPACE

Each destination type and the fields that configure it, named as this CLI's flags, with their
rules: what add and update take. API only.

${COMMON}`,
  'trust-policy': `npm run destinations -- trust-policy WORKSPACE

The trust policy of the workspace's delivery role, ready to paste: the dispatcher's role as the
principal and the workspace's external id; the same values as context for the customer stack;
and, for a Lambda function without a delivery role, the permission to grant. Only the
workspace's members see it. API only.

${COMMON}`,
  members: `npm run destinations -- members COMMAND …

The workspace's people and their roles: viewer (reads), editor (also drafts, checks, tests,
publishes and rolls back), admin (also removes destinations, manages members and API keys).
Listing is for every member; the rest is an admin's. API only.

  list WORKSPACE                        the members, their roles, who added them
  invite WORKSPACE EMAIL --role ROLE    add a person (a new user gets a temporary password by
                                        email, and chooses their own at their first login)
  set-role WORKSPACE MEMBER --role ROLE change a member's role (MEMBER: their email or user id)
  remove WORKSPACE MEMBER               remove a member

${COMMON}`,
  'api-keys': `npm run destinations -- api-keys COMMAND …

Workspace API keys, for programs: each acts in its own workspace only, with its role. A program
gives its key as EVENT_DELIVERY_API_KEY. Listing is for every member; the rest is an admin's.
API only.

  list WORKSPACE                        the keys (never their secrets): role, expiry, last use
  create WORKSPACE --name NAME --role ROLE [--expires-at TIME]
                                        a new key, shown once and never again; TIME a date
                                        (2026-12-31) or an ISO 8601 time, at most a year ahead
                                        (without it, the key does not expire)
  revoke WORKSPACE KEY                  revoke a key at once (KEY: its id, or edk_ and its id)

${COMMON}`,
  audit: `npm run destinations -- audit WORKSPACE [--limit N] [--cursor C]

Who changed what in the workspace, newest first: the person or API key, the action, its target,
the versions before and after. API only.

  --limit N   events per page, 1 to 100 (50 without it)
  --cursor C  the next page: the command prints it when there is one

${COMMON}`,
  health: `npm run destinations -- health WORKSPACE [--window hour|day|week]

Delivery health, from the dispatcher's logs: one line per destination of the live version (and
any other the window's logs name, marked "not live"): delivered, failed by error code, retries
scheduled, dead-lettered by code, the circuit's state, disabled and why, the last failure's
code; then the workspace's total. --json adds consent blocks, offloads, latency p50 and p99,
the last success and the circuit's details. API only.

  --window W  hour, day or week: how far back (the last hour without it)

${COMMON}`,
  failures: `npm run destinations -- failures WORKSPACE DESTINATION [--limit N] [--window hour|day|week]

A destination's recent failures, newest first: when, the event's distinctIdHash (the logs never
hold the distinct_id itself), the code, the attempt, what came of it, and the reason (codes and
ids, never event content). Deferrals (circuit open, rate limit) are not listed. API only.

  --limit N   at most, 1 to 100 (20 without it)
  --window W  hour, day or week: how far back (the last day without it)

${COMMON}`,
  story: `npm run destinations -- story WORKSPACE DISTINCT_ID [--visitor-id V] [--window hour|day|week]

An event's story in this workspace, as npm run trace tells the operator: each time it was
received (attempt, redriven), each destination's outcome (delivered; deferred or failed with its
code and what comes next; dead-lettered with its reason), in time order. The answer names the
event by its hash, never its distinct_id. API only.

  --visitor-id V  the event's visitor_id: adds the sample consumer's name for the event
  --window W      hour, day or week: how far back (the last day without it)

${COMMON}`,
  'dead-letters': `npm run destinations -- dead-letters COMMAND …

The workspace's own dead letters: events a destination could not take. Listing and showing are
for every member (a letter's body, the customer's event, for editors and admins only); redrive
and discard are an editor's, and audited. API only.

  list WORKSPACE [--destination D] [--code C] [--from TIME] [--to TIME] [--limit N] [--cursor C]
                                        newest first, without bodies; --limit 1 to 100 (50
                                        without it); with a filter a page may hold fewer: follow
                                        the --cursor the command prints
  show WORKSPACE LETTER                 one letter: why, where it was going, its body
  redrive WORKSPACE LETTER…             send letters back to be delivered again, as npm run
                                        redrive does (same body, targets, mapping version)
  redrive WORKSPACE --all               every letter of the workspace
  redrive WORKSPACE [--destination D] [--code C] [--from TIME] [--to TIME]
                                        the letters matching the filter, oldest first
  discard WORKSPACE (LETTER… | --all | filter flags)
                                        forget letters for good

A request takes at most 500 letters: redrive and discard print how many matched, were redriven
or discarded, failed, were not found, and how many are left (run the command again). Redrive
once the cause is fixed: a destination refusing access is not called for a minute, and letters
redriven within it come back. TIME: a date (2026-12-31) or an ISO 8601 time. Exit status 1 when
some letters failed (they stay, to try again).

${COMMON}`,
  alerts: `npm run destinations -- alerts COMMAND …

Where the workspace is told of its destinations' trouble (a circuit opening, a destination
disabled, dead letters growing): its own standard SNS topic, published through one of its
delivery roles (which needs sns:Publish on it). Showing is for every member, setting an admin's,
testing an editor's. API only.

  show WORKSPACE                        the channel, or none
  set WORKSPACE --topic-arn ARN --role-arn ARN [--dead-letter-threshold N]
                                        alert there; N: a destination's dead letters in an hour
                                        that make an alert (10 without it)
  set WORKSPACE --clear                 alert nowhere
  test WORKSPACE                        publish a test alert (AlertChannelTest); exit status 1
                                        when the topic did not take it, with what AWS said

${COMMON}`,
};
