-- Every CloudTrail record: the stored columns plus the free-form parts of the record as JSON
-- (NULL where the record has none or null). Investigations and users query this.
-- requestParameters and responseElements are read from where they are stored apart from the
-- rest of the record (src/store/record_text.rs); the rest from the record's text, `raw`.
-- Records with lowercase field names (Athena/Glue exports: `requestparameters`, …; see
-- src/decode/lowercase.rs for the whole mapping) are read through the same columns; their
-- free-form parts, written there as strings holding JSON, are decoded back into JSON. The
-- lowercase key is only looked at when the camelCase key is absent and the text holds it.
-- Amazon Security Lake records (sources.kind security_lake_ocsf: OCSF 1.x API Activity, class
-- 6003, and Authentication, 3002, in Parquet) fill the same columns, `raw` holding the OCSF
-- record as JSON. Column <- OCSF field (the first present):
--   event_id <- metadata.uid             event_time <- time (epoch ms), time_dt
--   event_source <- api.service.name     event_name <- api.operation
--   event_type <- metadata.event_code    event_version <- metadata.product.version
--   event_category <- metadata.product.feature.name
--   aws_region <- cloud.region, region   recipient_account_id <- cloud.account.uid, accountid
--   source_ip <- src_endpoint.ip, src_endpoint.domain
--   user_agent <- http_request.user_agent
--   error_code <- api.response.error     error_message <- api.response.message, status_detail
--   request_id <- api.request.uid        user_type <- actor.user.type
--   user_arn <- actor.user.uid           principal_id <- actor.user.uid_alt
--   user_account_id <- actor.user.account.uid, actor.user.account_uid
--   user_name <- actor.user.name         access_key_id <- actor.user.credential_uid
--   invoked_by <- actor.invoked_by       session_mfa <- actor.session.is_mfa, .mfa
--   session_created <- actor.session.created_time_dt
--   session_issuer_arn <- actor.session.issuer
--   console_login_result <- status (Authentication only: Success, Failure)
--   mfa_used <- is_mfa, mfa (Authentication only: Yes, No)
--   request_parameters <- api.request.data   response_elements <- api.response.data
--   resources <- resources (OCSF's shape: uid, type, owner)
-- read_only, management_event, shared_event_id, identity_store_user, the session issuer's
-- type and name, additional_event_data and tls_details have no OCSF field: NULL.
SELECT
    * EXCLUDE (raw, stored_raw, stored_request_parameters, stored_response_elements,
               source_id, record_index, event_row),
    nullif(coalesce(stored_request_parameters, json_extract(stored_raw, '$.requestParameters'), CASE
        WHEN contains(stored_raw, '"requestparameters"') THEN CASE WHEN json_type(stored_raw, '$.requestparameters') = 'VARCHAR' AND json_valid(stored_raw ->> '$.requestparameters')
            AND left(stored_raw ->> '$.requestparameters', 1) IN ('{', '[') THEN json(stored_raw ->> '$.requestparameters')
            ELSE json_extract(stored_raw, '$.requestparameters') END
        WHEN contains(stored_raw, '"class_uid"') THEN CASE WHEN json_type(stored_raw, '$.api.request.data') = 'VARCHAR' AND json_valid(stored_raw ->> '$.api.request.data')
            AND left(stored_raw ->> '$.api.request.data', 1) IN ('{', '[') THEN json(stored_raw ->> '$.api.request.data')
            ELSE json_extract(stored_raw, '$.api.request.data') END
        END), 'null') AS request_parameters,
    nullif(coalesce(stored_response_elements, json_extract(stored_raw, '$.responseElements'), CASE
        WHEN contains(stored_raw, '"responseelements"') THEN CASE WHEN json_type(stored_raw, '$.responseelements') = 'VARCHAR' AND json_valid(stored_raw ->> '$.responseelements')
            AND left(stored_raw ->> '$.responseelements', 1) IN ('{', '[') THEN json(stored_raw ->> '$.responseelements')
            ELSE json_extract(stored_raw, '$.responseelements') END
        WHEN contains(stored_raw, '"class_uid"') THEN CASE WHEN json_type(stored_raw, '$.api.response.data') = 'VARCHAR' AND json_valid(stored_raw ->> '$.api.response.data')
            AND left(stored_raw ->> '$.api.response.data', 1) IN ('{', '[') THEN json(stored_raw ->> '$.api.response.data')
            ELSE json_extract(stored_raw, '$.api.response.data') END
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
    event_row
FROM (
    -- stored records: begin
    -- The record's text reassembled from its parts where it was stored in parts
    -- (src/store/record_text.rs); the parts themselves, read without the rest.
    SELECT
        * EXCLUDE (raw, raw_rest, request_parameters_text, request_parameters_at,
                   response_elements_text, response_elements_at, with_request),
        raw AS stored_raw,
        coalesce(raw, CAST(CASE WHEN response_elements_at IS NULL THEN with_request
            ELSE substr(with_request, 1, response_elements_at) || response_elements_text
                 || substr(with_request, response_elements_at + 1) END AS JSON)) AS raw,
        -- Written so that DuckDB cannot prove them always NULL from a case's statistics (all
        -- records stored whole): DuckDB 2.0.0 then fails to bind e.g. `split_part(x, '.', 2)
        -- = 'metal'` over them ("BindBuiltinScalarFunction did not return a
        -- BoundFunctionExpression"). A part's text is never empty.
        json(nullif(coalesce(request_parameters_text, ''), '')) AS stored_request_parameters,
        json(nullif(coalesce(response_elements_text, ''), '')) AS stored_response_elements
    FROM (
        SELECT *,
            CASE WHEN request_parameters_at IS NULL THEN raw_rest
                ELSE substr(raw_rest, 1, request_parameters_at) || request_parameters_text
                     || substr(raw_rest, request_parameters_at + 1) END AS with_request,
            -- Stable within the case file: `WHERE event_row IN (SELECT event_row FROM events
            -- WHERE …)` reads raw (and the JSON parts) only for the matching rows, much faster.
            rowid AS event_row
        FROM event_records
    )
    -- stored records: end
) AS event_records
