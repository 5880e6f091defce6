-- Every CloudTrail record: the stored columns plus the free-form parts of the record as JSON
-- (NULL where the record has none or null). Investigations and users query this.
-- Records with lowercase field names (Athena/Glue exports: `requestparameters`, …; see
-- src/decode/lowercase.rs for the whole mapping) are read through the same columns; their
-- free-form parts, written there as strings holding JSON, are decoded back into JSON. The
-- lowercase key is only looked at when the camelCase key is absent and the text holds it.
-- Amazon Security Lake records (OCSF, `raw` holds the OCSF record; the mapping of the stored
-- columns is in src/decode/ocsf.rs): request_parameters is OCSF `api.request.data`,
-- response_elements `api.response.data`, resources `resources` (OCSF's shape: uid, type,
-- owner); additional_event_data and tls_details have no OCSF field.
SELECT
    * EXCLUDE (raw, source_id, record_index),
    nullif(coalesce(json_extract(raw, '$.requestParameters'), CASE
        WHEN contains(raw, '"requestparameters"') THEN CASE WHEN json_type(raw, '$.requestparameters') = 'VARCHAR' AND json_valid(raw ->> '$.requestparameters')
            AND left(raw ->> '$.requestparameters', 1) IN ('{', '[') THEN json(raw ->> '$.requestparameters')
            ELSE json_extract(raw, '$.requestparameters') END
        WHEN contains(raw, '"class_uid"') THEN CASE WHEN json_type(raw, '$.api.request.data') = 'VARCHAR' AND json_valid(raw ->> '$.api.request.data')
            AND left(raw ->> '$.api.request.data', 1) IN ('{', '[') THEN json(raw ->> '$.api.request.data')
            ELSE json_extract(raw, '$.api.request.data') END
        END), 'null') AS request_parameters,
    nullif(coalesce(json_extract(raw, '$.responseElements'), CASE
        WHEN contains(raw, '"responseelements"') THEN CASE WHEN json_type(raw, '$.responseelements') = 'VARCHAR' AND json_valid(raw ->> '$.responseelements')
            AND left(raw ->> '$.responseelements', 1) IN ('{', '[') THEN json(raw ->> '$.responseelements')
            ELSE json_extract(raw, '$.responseelements') END
        WHEN contains(raw, '"class_uid"') THEN CASE WHEN json_type(raw, '$.api.response.data') = 'VARCHAR' AND json_valid(raw ->> '$.api.response.data')
            AND left(raw ->> '$.api.response.data', 1) IN ('{', '[') THEN json(raw ->> '$.api.response.data')
            ELSE json_extract(raw, '$.api.response.data') END
        END), 'null') AS response_elements,
    nullif(coalesce(json_extract(raw, '$.additionalEventData'), CASE
        WHEN contains(raw, '"additionaleventdata"') THEN CASE WHEN json_type(raw, '$.additionaleventdata') = 'VARCHAR' AND json_valid(raw ->> '$.additionaleventdata')
            AND left(raw ->> '$.additionaleventdata', 1) IN ('{', '[') THEN json(raw ->> '$.additionaleventdata')
            ELSE json_extract(raw, '$.additionaleventdata') END
        END), 'null') AS additional_event_data,
    nullif(json_extract(raw, '$.resources'), 'null') AS resources,
    nullif(coalesce(json_extract(raw, '$.tlsDetails'), CASE
        WHEN contains(raw, '"tlsdetails"') THEN CASE WHEN json_type(raw, '$.tlsdetails') = 'VARCHAR' AND json_valid(raw ->> '$.tlsdetails')
            AND left(raw ->> '$.tlsdetails', 1) IN ('{', '[') THEN json(raw ->> '$.tlsdetails')
            ELSE json_extract(raw, '$.tlsdetails') END
        END), 'null') AS tls_details,
    raw,
    source_id,
    record_index,
    -- Stable within the case file: `WHERE event_row IN (SELECT event_row FROM events WHERE …)`
    -- reads raw (and the JSON parts) only for the matching rows, which is much faster.
    rowid AS event_row
FROM event_records
