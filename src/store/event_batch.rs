//! Column builders for the `event_records` table: decoder threads fill Arrow arrays, the single
//! writer hands whole batches to DuckDB's appender.

use std::sync::Arc;

use duckdb::arrow::array::{
    ArrayRef, BooleanBuilder, Int32Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use duckdb::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use duckdb::arrow::record_batch::RecordBatch;
use serde_json::value::RawValue;
use xxhash_rust::xxh3::xxh3_128;

use super::record_text;

use crate::decode::cloudtrail::Record;
use crate::decode::credential_facts::{facts_of, CredentialFact};
use crate::time::parse_utc_micros;

/// Rows per batch handed to the writer: large enough for the appender to work in bulk, small
/// enough that a few batches in flight per thread stay within tens of MB.
pub const BATCH_ROWS: usize = 4096;

/// The identity of an event for de-duplication: (account, eventID), or the whole record's
/// bytes when it has no eventID. 128 bits, so collisions are not a practical concern.
pub type EventKey = u128;

pub fn event_key(account: Option<&str>, event_id: Option<&str>, raw: &str) -> EventKey {
    match event_id {
        Some(id) => {
            let mut text = String::with_capacity(id.len() + 16);
            text.push_str(account.unwrap_or(""));
            text.push('\0');
            text.push_str(id);
            xxh3_128(text.as_bytes())
        }
        None => xxh3_128(raw.as_bytes()) ^ 1,
    }
}

macro_rules! event_columns {
    ($( $name:ident : $builder:ident ),* $(,)?) => {
        /// One builder per column of `events`, in table order.
        pub struct EventBatchBuilder {
            $( $name: $builder, )*
            /// One key per row, for the writer's de-duplication.
            keys: Vec<EventKey>,
            /// The `credential_events` rows of the batch's records, by row.
            facts: Vec<(usize, CredentialFact)>,
            min_time: Option<i64>,
            max_time: Option<i64>,
        }

        impl EventBatchBuilder {
            fn empty() -> Self {
                EventBatchBuilder {
                    $( $name: <$builder>::for_one_batch(), )*
                    keys: Vec::with_capacity(BATCH_ROWS),
                    facts: Vec::new(),
                    min_time: None,
                    max_time: None,
                }
            }

            fn arrays(&mut self) -> Vec<ArrayRef> {
                vec![ $( Arc::new(self.$name.finish()) as ArrayRef, )* ]
            }
        }

        /// The Arrow schema matching `event_records` column for column.
        pub fn schema() -> SchemaRef {
            Arc::new(Schema::new(vec![
                $( Field::new(stringify!($name), <$builder>::arrow_type(), true), )*
            ]))
        }
    };
}

event_columns! {
    event_id: StringBuilder,
    event_time: TimestampMicrosecondBuilder,
    event_time_text: StringBuilder,
    event_source: StringBuilder,
    event_name: StringBuilder,
    event_type: StringBuilder,
    event_version: StringBuilder,
    event_category: StringBuilder,
    aws_region: StringBuilder,
    recipient_account_id: StringBuilder,
    source_ip: StringBuilder,
    user_agent: StringBuilder,
    error_code: StringBuilder,
    error_message: StringBuilder,
    read_only: BooleanBuilder,
    management_event: BooleanBuilder,
    request_id: StringBuilder,
    shared_event_id: StringBuilder,
    user_type: StringBuilder,
    user_arn: StringBuilder,
    user_account_id: StringBuilder,
    principal_id: StringBuilder,
    user_name: StringBuilder,
    access_key_id: StringBuilder,
    invoked_by: StringBuilder,
    identity_store_user: StringBuilder,
    session_mfa: BooleanBuilder,
    session_created: TimestampMicrosecondBuilder,
    session_issuer_type: StringBuilder,
    session_issuer_arn: StringBuilder,
    session_issuer_name: StringBuilder,
    console_login_result: StringBuilder,
    mfa_used: StringBuilder,
    is_insight: BooleanBuilder,
    raw: StringBuilder,
    source_id: Int32Builder,
    record_index: Int64Builder,
    raw_rest: StringBuilder,
    request_parameters_text: StringBuilder,
    request_parameters_at: Int32Builder,
    response_elements_text: StringBuilder,
    response_elements_at: Int32Builder,
}

/// Capacity and Arrow type of each builder kind.
trait ColumnBuilder {
    fn for_one_batch() -> Self;
    fn arrow_type() -> DataType;
}

impl ColumnBuilder for StringBuilder {
    fn for_one_batch() -> Self {
        StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 32)
    }
    fn arrow_type() -> DataType {
        DataType::Utf8
    }
}

impl ColumnBuilder for TimestampMicrosecondBuilder {
    fn for_one_batch() -> Self {
        TimestampMicrosecondBuilder::with_capacity(BATCH_ROWS)
    }
    fn arrow_type() -> DataType {
        DataType::Timestamp(TimeUnit::Microsecond, None)
    }
}

impl ColumnBuilder for BooleanBuilder {
    fn for_one_batch() -> Self {
        BooleanBuilder::with_capacity(BATCH_ROWS)
    }
    fn arrow_type() -> DataType {
        DataType::Boolean
    }
}

impl ColumnBuilder for Int32Builder {
    fn for_one_batch() -> Self {
        Int32Builder::with_capacity(BATCH_ROWS)
    }
    fn arrow_type() -> DataType {
        DataType::Int32
    }
}

impl ColumnBuilder for Int64Builder {
    fn for_one_batch() -> Self {
        Int64Builder::with_capacity(BATCH_ROWS)
    }
    fn arrow_type() -> DataType {
        DataType::Int64
    }
}

/// A finished batch with what the writer needs besides the rows.
pub struct EventBatch {
    pub rows: RecordBatch,
    pub keys: Vec<EventKey>,
    /// `credential_events` rows of the batch's records, with the row each belongs to.
    pub facts: Vec<(usize, CredentialFact)>,
    pub min_time: Option<i64>,
    pub max_time: Option<i64>,
}

impl Default for EventBatchBuilder {
    fn default() -> Self {
        Self::empty()
    }
}

impl EventBatchBuilder {
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.keys.len() >= BATCH_ROWS
    }

    /// Adds one record. `raw` is the exact text of the record as found in the input.
    pub fn push(
        &mut self,
        record: &Record<'_>,
        raw: &str,
        source_id: i32,
        index: u64,
        insight: bool,
    ) {
        let row = self.keys.len();
        self.facts
            .extend(facts_of(record, raw).into_iter().map(|fact| (row, fact)));
        self.keys.push(event_key(
            record.recipient_account_id.as_deref(),
            record.event_id.as_deref(),
            raw,
        ));
        self.event_id.append_option(record.event_id.as_deref());
        let time_text = record.event_time.as_deref();
        let micros = time_text.and_then(parse_utc_micros);
        self.event_time.append_option(micros);
        // Keep the original only when it did not parse, so nothing is lost and nothing doubled.
        self.event_time_text
            .append_option(if micros.is_none() { time_text } else { None });
        if let Some(t) = micros {
            self.min_time = Some(self.min_time.map_or(t, |m| m.min(t)));
            self.max_time = Some(self.max_time.map_or(t, |m| m.max(t)));
        }
        self.event_source
            .append_option(record.event_source.as_deref());
        self.event_name.append_option(record.event_name.as_deref());
        self.event_type.append_option(record.event_type.as_deref());
        self.event_version
            .append_option(record.event_version.as_deref());
        self.event_category
            .append_option(record.event_category.as_deref());
        self.aws_region.append_option(record.aws_region.as_deref());
        self.recipient_account_id
            .append_option(record.recipient_account_id.as_deref());
        self.source_ip.append_option(record.source_ip.as_deref());
        self.user_agent.append_option(record.user_agent.as_deref());
        self.error_code.append_option(record.error_code.as_deref());
        self.error_message
            .append_option(record.error_message.as_deref());
        self.read_only.append_option(record.read_only);
        self.management_event.append_option(record.management_event);
        self.request_id.append_option(record.request_id.as_deref());
        self.shared_event_id
            .append_option(record.shared_event_id.as_deref());
        self.push_identity(record);
        self.console_login_result
            .append_option(record.console_login_result());
        self.mfa_used.append_option(record.mfa_used());
        let insight = insight || record.event_type.as_deref() == Some("AwsCloudTrailInsight");
        self.is_insight.append_value(insight);
        self.push_text(record, raw);
        self.source_id.append_value(source_id);
        self.record_index.append_value(index as i64);
    }

    /// The record's text: whole in `raw`, or its request and response parts apart from the
    /// rest (see `record_text`).
    fn push_text(&mut self, record: &Record<'_>, raw: &str) {
        let split = record_text::split(
            raw,
            record.request_parameters.map(RawValue::get),
            record.response_elements.map(RawValue::get),
        );
        let Some(split) = split else {
            self.raw.append_value(raw);
            self.raw_rest.append_null();
            self.request_parameters_text.append_null();
            self.request_parameters_at.append_null();
            self.response_elements_text.append_null();
            self.response_elements_at.append_null();
            return;
        };
        self.raw.append_null();
        self.raw_rest.append_value(&split.rest);
        let request = split.request_parameters.as_ref();
        self.request_parameters_text
            .append_option(request.map(|p| p.text));
        self.request_parameters_at.append_option(request.map(|p| p.at));
        let response = split.response_elements.as_ref();
        self.response_elements_text
            .append_option(response.map(|p| p.text));
        self.response_elements_at
            .append_option(response.map(|p| p.at));
    }

    /// The `userIdentity` columns, session context included.
    fn push_identity(&mut self, record: &Record<'_>) {
        let identity = record.user_identity.as_ref();
        let session = identity.and_then(|i| i.session_context.as_ref());
        let issuer = session.and_then(|s| s.session_issuer.as_ref());
        let attributes = session.and_then(|s| s.attributes.as_ref());
        self.user_type
            .append_option(identity.and_then(|i| i.kind.as_deref()));
        self.user_arn
            .append_option(identity.and_then(|i| i.arn.as_deref()));
        self.user_account_id
            .append_option(identity.and_then(|i| i.account_id.as_deref()));
        self.principal_id
            .append_option(identity.and_then(|i| i.principal_id.as_deref()));
        self.user_name
            .append_option(identity.and_then(|i| i.user_name.as_deref()));
        self.access_key_id
            .append_option(identity.and_then(|i| i.access_key_id.as_deref()));
        self.invoked_by
            .append_option(identity.and_then(|i| i.invoked_by.as_deref()));
        self.identity_store_user.append_option(
            identity
                .and_then(|i| i.on_behalf_of.as_ref())
                .and_then(|o| o.user_id.as_deref()),
        );
        self.session_mfa
            .append_option(attributes.and_then(|a| a.mfa_authenticated));
        self.session_created.append_option(
            attributes
                .and_then(|a| a.creation_date.as_deref())
                .and_then(parse_utc_micros),
        );
        self.session_issuer_type
            .append_option(issuer.and_then(|s| s.kind.as_deref()));
        self.session_issuer_arn
            .append_option(issuer.and_then(|s| s.arn.as_deref()));
        self.session_issuer_name
            .append_option(issuer.and_then(|s| s.user_name.as_deref()));
    }

    /// Hands out the rows so far and starts a new batch.
    pub fn finish(&mut self) -> EventBatch {
        let arrays = self.arrays();
        // Not input-derived: `push` appends exactly one value to every builder.
        #[allow(clippy::expect_used)]
        let rows = RecordBatch::try_new(schema(), arrays)
            .expect("every builder gets exactly one value per pushed record");
        EventBatch {
            rows,
            keys: std::mem::replace(&mut self.keys, Vec::with_capacity(BATCH_ROWS)),
            facts: std::mem::take(&mut self.facts),
            min_time: self.min_time.take(),
            max_time: self.max_time.take(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::cloudtrail::visit_record;

    #[test]
    fn keys_follow_event_id_and_account() {
        let a = event_key(Some("111"), Some("e1"), "{}");
        assert_eq!(a, event_key(Some("111"), Some("e1"), "{\"other\":1}"));
        assert_ne!(a, event_key(Some("222"), Some("e1"), "{}"));
        assert_ne!(a, event_key(Some("11"), Some("1e1"), "{}"));
        assert_ne!(
            event_key(None, None, "{\"a\":1}"),
            event_key(None, None, "{\"a\":2}")
        );
    }

    #[test]
    fn builds_a_batch_matching_the_schema() {
        let mut builder = EventBatchBuilder::default();
        let text = r#"{"eventID":"e1","eventTime":"not a time","recipientAccountId":"1"}"#;
        visit_record(text.as_bytes(), |r, raw| builder.push(r, raw, 7, 0, false)).unwrap();
        assert_eq!(builder.len(), 1);
        let batch = builder.finish();
        assert_eq!(batch.rows.num_rows(), 1);
        assert_eq!(batch.rows.schema(), schema());
        assert_eq!(batch.min_time, None);
        assert!(builder.is_empty());
    }
}
