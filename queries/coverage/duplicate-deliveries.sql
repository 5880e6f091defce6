-- id: duplicate-deliveries
-- title: Events delivered more than once
-- severity: info
-- category: coverage
-- source: cloudtrail
-- mitre: T1070
-- description: Records the case already held when they arrived again (same eventID and account),
--   grouped by the file that held the stored copy and the file that repeated it. AWS delivers a
--   few events twice, global events appear in every trail that records them, and exports
--   overlap the archive; a large share of duplicates means the same logs were exported twice.
-- next: Nothing to do for a handful; for many, check that the inputs are not two copies of one
--   export (the counts per file are in `sources.duplicates`).
-- references: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
SELECT
    d.recipient_account_id AS account_id,
    stored.path AS stored_in,
    again.path AS delivered_again_in,
    count(*) AS events,
    min(e.event_time) AS event_time,
    list(d.event_id ORDER BY d.event_id)[1:20] AS event_ids
FROM duplicate_events d
JOIN events e
  ON e.event_id = d.event_id AND e.recipient_account_id IS NOT DISTINCT FROM d.recipient_account_id
JOIN sources stored ON stored.source_id = e.source_id
JOIN sources again ON again.source_id = d.source_id
GROUP BY ALL
ORDER BY account_id, stored_in, delivered_again_in
