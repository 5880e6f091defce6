-- id: actor-follow-through
-- title: Everything the actors behind high and critical findings did
-- severity: medium
-- category: follow-through
-- source: cloudtrail
-- requires: findings
-- mitre: T1078
-- description: A second pass over the other investigations. Every actor of an event that a
--   critical row cites, or high rows of two different investigations cite within a day of each
--   other (its principal, its access key, its source IP when it is an IP), and
--   every identity or credential such an actor created (users it created or gave a password or
--   key, roles it created, keys it created, sessions it minted, and what those created in turn),
--   is followed through the whole case: each of their calls is a row, so nothing the intruder
--   did stays unseen (a RunInstances, a read of a secret). Changes and sign-ins at or after the
--   actor became suspect are medium; its reads, its history before the first alert and calls an
--   AWS service made on its behalf low. The rows scope an incident; the alert itself is the
--   high or critical finding that made the actor suspect, so this trail stays below it and does
--   not multiply the high rows of a busy case. A source IP counts as an actor only when it is
--   public and at most 3 identities used it (an office or NAT address identifies a network). Only
--   rows at high or critical count as suspect, so an actor with only low or medium findings
--   (a failed attempt at medium, restoring logging) is not followed.
-- next: Read the rows in time order per actor; every write call is a change to undo, every
--   read a piece of data to treat as disclosed.
-- references: https://attack.mitre.org/techniques/T1078/
SELECT
    e.event_time,
    e.recipient_account_id AS account_id,
    e.aws_region,
    e.user_type,
    coalesce(e.user_arn, e.principal_id) AS principal,
    e.access_key_id,
    e.source_ip,
    e.user_agent,
    e.event_source,
    e.event_name,
    s.matched_by,
    strftime(s.since, '%Y-%m-%dT%H:%M:%SZ') AS suspect_since,
    CASE WHEN e.error_code IS NULL THEN 'succeeded' ELSE 'failed: ' || e.error_code END AS outcome,
    -- An AWS service acting on the actor's behalf (invokedBy other than the console, or a
    -- service event) is context, not the actor's own call.
    -- Reads are listed too (what the actor saw counts as disclosed) but at low.
    CASE WHEN e.event_time >= s.since
              AND (e.invoked_by IS NULL OR e.invoked_by = 'signin.amazonaws.com')
              AND e.event_type IS DISTINCT FROM 'AwsServiceEvent'
              AND (e.read_only IS DISTINCT FROM true OR e.event_name = 'ConsoleLogin')
         THEN 'medium' ELSE 'low' END AS severity,
    e.error_code,
    e.event_id
FROM events e
JOIN suspect_events s ON s.event_row = e.event_row
ORDER BY e.event_time, e.event_id
