-- Every CloudTrail record: the stored columns plus the free-form parts of the record as JSON
-- (NULL where the record has none or null). Investigations and users query this.
SELECT
    * EXCLUDE (raw, source_id, record_index),
    nullif(json_extract(raw, '$.requestParameters'), 'null')   AS request_parameters,
    nullif(json_extract(raw, '$.responseElements'), 'null')    AS response_elements,
    nullif(json_extract(raw, '$.additionalEventData'), 'null') AS additional_event_data,
    nullif(json_extract(raw, '$.resources'), 'null')           AS resources,
    nullif(json_extract(raw, '$.tlsDetails'), 'null')          AS tls_details,
    raw,
    source_id,
    record_index,
    -- Stable within the case file: `WHERE event_row IN (SELECT event_row FROM events WHERE …)`
    -- reads raw (and the JSON parts) only for the matching rows, which is much faster.
    rowid AS event_row
FROM event_records
