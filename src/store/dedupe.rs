//! Which events a case already holds, in bounded memory whatever the size of the case.
//!
//! An event's key is (recipient account, eventID) (`event_batch::event_key`). Every copy of an
//! event also shares its region and its time, so keys are kept per partition: (recipient
//! account, region, UTC day of the event). A partition's keys are read from the case the first
//! time a batch touches it, and the least recently used partitions are dropped from memory when
//! more keys are held than the budget allows; they are read again if touched again. Archives are
//! laid out by account, region and day, so an ingest touches partitions one after another and
//! each is read about once. Memory is bounded by the budget, or by the largest single
//! partition when one alone exceeds it.
//!
//! Exactness is that of the key: two copies of one event are always in the same partition. A
//! record that repeats another's eventID in another region or on another day is not a copy of
//! it (its content differs) and is kept.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result};
use duckdb::arrow::array::{Array, StringArray, TimestampMicrosecondArray};
use duckdb::Connection;

use super::event_batch::{event_key, EventBatch, EventKey};

/// Keys held in memory before partitions are dropped, unless told otherwise (about 30 bytes
/// each in a hash set).
pub const DEFAULT_KEYS_IN_MEMORY: u64 = 2_000_000;

const DAY_MICROS: i64 = 86_400_000_000;

/// (recipient account, region, day since 1970-01-01 UTC); None where the event has none.
type PartitionName = (Option<String>, Option<String>, Option<i64>);

/// A partition name borrowed from a batch.
type NameView<'a> = (Option<&'a str>, Option<&'a str>, Option<i64>);

/// A partition, numbered in the order first seen.
pub type Partition = u32;

struct Resident {
    keys: HashSet<EventKey>,
    last_use: u64,
}

pub struct EventKeys {
    names: Vec<PartitionName>,
    numbers: HashMap<PartitionName, Partition>,
    /// Partitions with events in the case whose keys are not in memory.
    stored: HashSet<Partition>,
    resident: HashMap<Partition, Resident>,
    resident_keys: usize,
    budget: usize,
    /// Advances once per batch: partitions used by the current batch are never dropped.
    clock: u64,
}

impl EventKeys {
    /// The partitions the case holds events in (their keys are read when first needed);
    /// `budget`: how many keys may be held in memory.
    pub fn of_case(conn: &Connection, budget: usize) -> Result<EventKeys> {
        let mut keys = EventKeys {
            names: Vec::new(),
            numbers: HashMap::new(),
            stored: HashSet::new(),
            resident: HashMap::new(),
            resident_keys: 0,
            budget,
            clock: 0,
        };
        let mut stmt = conn.prepare(&format!(
            "SELECT DISTINCT recipient_account_id, aws_region,
                    floor(epoch_us(event_time) / {DAY_MICROS})::BIGINT
             FROM event_records"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let number = keys.number((row.get(0)?, row.get(1)?, row.get(2)?));
            keys.stored.insert(number);
        }
        Ok(keys)
    }

    fn number(&mut self, name: PartitionName) -> Partition {
        if let Some(&number) = self.numbers.get(&name) {
            return number;
        }
        let number = self.names.len() as Partition;
        self.names.push(name.clone());
        self.numbers.insert(name, number);
        number
    }

    /// The partition of every row of a batch.
    pub fn partitions_of(&mut self, batch: &EventBatch) -> Result<Vec<Partition>> {
        let column = |name: &str| {
            batch
                .rows
                .column_by_name(name)
                .with_context(|| format!("an event batch has no {name} column"))
        };
        let strings = |name: &str| -> Result<StringArray> {
            Ok(column(name)?
                .as_any()
                .downcast_ref::<StringArray>()
                .with_context(|| format!("{name} is not text"))?
                .clone())
        };
        let (accounts, regions) = (strings("recipient_account_id")?, strings("aws_region")?);
        let times = column("event_time")?;
        let times = times
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .context("event_time is not a timestamp")?;
        fn text(array: &StringArray, row: usize) -> Option<&str> {
            (!array.is_null(row)).then(|| array.value(row))
        }
        let mut partitions = Vec::with_capacity(batch.rows.num_rows());
        // Rows come in runs of one partition: a name is built only where the run changes.
        let mut previous: Option<(NameView, Partition)> = None;
        for row in 0..batch.rows.num_rows() {
            let day = (!times.is_null(row)).then(|| times.value(row).div_euclid(DAY_MICROS));
            let name = (text(&accounts, row), text(&regions, row), day);
            let number = match previous {
                Some((last, number)) if last == name => number,
                _ => self.number((
                    name.0.map(str::to_string),
                    name.1.map(str::to_string),
                    day,
                )),
            };
            previous = Some((name, number));
            partitions.push(number);
        }
        Ok(partitions)
    }

    /// Starts a batch touching `partitions`: they stay in memory until the next batch.
    /// Returns those whose keys must be `read` from the case before `insert` (after the caller
    /// has flushed what it appended, so that the case shows it).
    pub fn start_batch(&mut self, partitions: &[Partition]) -> Vec<Partition> {
        self.clock += 1;
        let mut to_read = Vec::new();
        let mut previous = None;
        for &partition in partitions {
            if previous == Some(partition) {
                continue;
            }
            previous = Some(partition);
            if let Some(resident) = self.resident.get_mut(&partition) {
                resident.last_use = self.clock;
            } else if self.stored.contains(&partition) && !to_read.contains(&partition) {
                to_read.push(partition);
            }
        }
        to_read
    }

    #[cfg(test)]
    fn needs_reading(&self, partition: Partition) -> bool {
        self.stored.contains(&partition)
    }

    /// Reads a partition's keys from the case into memory.
    pub fn read(&mut self, conn: &Connection, partition: Partition) -> Result<()> {
        let (account, region, day) = &self.names[partition as usize];
        let equals = |column: &str, value: &Option<String>| match value {
            Some(v) => format!("{column} = '{}'", v.replace('\'', "''")),
            None => format!("{column} IS NULL"),
        };
        let time = match day {
            Some(day) => format!(
                "event_time >= make_timestamp({}::BIGINT) AND event_time < make_timestamp({}::BIGINT)",
                day * DAY_MICROS,
                (day + 1) * DAY_MICROS
            ),
            None => "event_time IS NULL".to_string(),
        };
        let filter = format!(
            "{} AND {} AND {time}",
            equals("recipient_account_id", account),
            equals("aws_region", region)
        );
        let mut keys = HashSet::new();
        // Events without an eventID are keyed by their raw text: read it only for them.
        for query in [
            format!("SELECT event_id, NULL::VARCHAR FROM event_records WHERE {filter} AND event_id IS NOT NULL"),
            format!("SELECT NULL::VARCHAR, raw::VARCHAR FROM events WHERE {filter} AND event_id IS NULL"),
        ] {
            let mut stmt = conn.prepare(&query)?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let id: Option<String> = row.get(0)?;
                let raw: Option<String> = row.get(1)?;
                keys.insert(event_key(
                    account.as_deref(),
                    id.as_deref(),
                    raw.as_deref().unwrap_or(""),
                ));
            }
        }
        self.stored.remove(&partition);
        self.resident_keys += keys.len();
        self.resident.insert(
            partition,
            Resident {
                keys,
                last_use: self.clock,
            },
        );
        self.drop_least_recent();
        Ok(())
    }

    /// Remembers a key; false when the case (or this run) already has it.
    pub fn insert(&mut self, partition: Partition, key: EventKey) -> bool {
        let resident = self.resident.entry(partition).or_insert_with(|| Resident {
            keys: HashSet::new(),
            last_use: 0,
        });
        resident.last_use = self.clock;
        let new = resident.keys.insert(key);
        if new {
            self.resident_keys += 1;
            if self.resident_keys > self.budget {
                self.drop_least_recent();
            }
        }
        new
    }

    /// Forgets a key whose event was taken out of the case again.
    pub fn remove(&mut self, partition: Partition, key: EventKey) {
        if let Some(resident) = self.resident.get_mut(&partition) {
            if resident.keys.remove(&key) {
                self.resident_keys -= 1;
            }
        }
    }

    /// Drops whole partitions, least recently used first, until the budget holds (never one
    /// the current batch uses). Their events are in the case, so they are read again if needed.
    fn drop_least_recent(&mut self) {
        while self.resident_keys > self.budget {
            let oldest = self
                .resident
                .iter()
                .filter(|(_, r)| r.last_use < self.clock)
                .min_by_key(|(_, r)| r.last_use)
                .map(|(&p, _)| p);
            let Some(partition) = oldest else { return };
            if let Some(resident) = self.resident.remove(&partition) {
                self.resident_keys -= resident.keys.len();
                self.stored.insert(partition);
            }
        }
    }

    #[cfg(test)]
    fn resident_keys(&self) -> usize {
        self.resident_keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAY_1: i64 = 19844; // 2024-05-01, days since 1970-01-01

    fn store(conn: &Connection, rows: &[(&str, &str, &str, Option<&str>, &str)]) {
        for (i, (account, region, time, id, raw)) in rows.iter().enumerate() {
            conn.execute(
                "INSERT INTO event_records (source_id, record_index, recipient_account_id,
                   aws_region, event_time, event_id, raw) VALUES (1, ?, ?, ?, ?::TIMESTAMP, ?, ?)",
                duckdb::params![i as i64, account, region, time, id, raw],
            )
            .unwrap();
        }
    }

    fn name(account: &str, region: &str, day: i64) -> PartitionName {
        (Some(account.into()), Some(region.into()), Some(day))
    }

    #[test]
    fn keys_are_read_per_partition_and_read_again_after_being_dropped() {
        let conn = crate::store::open_in_memory().unwrap();
        store(
            &conn,
            &[
                ("111", "eu-west-1", "2024-05-01 23:59:59", Some("e1"), "{}"),
                ("111", "eu-west-1", "2024-05-01 00:00:00", Some("e2"), "{}"),
                ("111", "us-east-1", "2024-05-01 12:00:00", Some("e3"), "{}"),
                ("222", "eu-west-1", "2024-05-02 00:00:00", None, "{\"a\":1}"),
            ],
        );
        let mut keys = EventKeys::of_case(&conn, 3).unwrap();
        let west = keys.number(name("111", "eu-west-1", MAY_1));
        let east = keys.number(name("111", "us-east-1", MAY_1));
        let other = keys.number(name("222", "eu-west-1", MAY_1 + 1));
        let fresh = keys.number(name("333", "eu-west-1", MAY_1));
        assert!(keys.needs_reading(west) && keys.needs_reading(east));
        assert!(keys.needs_reading(other) && !keys.needs_reading(fresh));

        keys.start_batch(&[]);
        keys.read(&conn, west).unwrap();
        assert_eq!(keys.resident_keys(), 2);
        assert!(!keys.insert(west, event_key(Some("111"), Some("e1"), "")));
        assert!(!keys.insert(west, event_key(Some("111"), Some("e2"), "")));
        assert!(keys.insert(west, event_key(Some("111"), Some("e9"), "")));
        keys.read(&conn, other).unwrap();
        assert!(!keys.insert(other, event_key(Some("222"), None, "{\"a\":1}")));

        // A later batch fills another partition past the budget: the least recently used go,
        // and come back from the case when touched again.
        keys.start_batch(&[]);
        for i in 0..3 {
            assert!(keys.insert(fresh, event_key(Some("333"), Some(&format!("f{i}")), "")));
        }
        assert!(keys.needs_reading(west) && keys.needs_reading(other));
        assert_eq!(keys.resident_keys(), 3);
        store(&conn, &[("111", "eu-west-1", "2024-05-01 08:00:00", Some("e9"), "{}")]);
        keys.start_batch(&[]);
        keys.read(&conn, west).unwrap();
        assert!(!keys.insert(west, event_key(Some("111"), Some("e9"), "")));
        assert!(!keys.insert(west, event_key(Some("111"), Some("e1"), "")));
    }

    #[test]
    fn an_event_id_repeated_in_another_region_is_not_a_copy() {
        let conn = crate::store::open_in_memory().unwrap();
        store(&conn, &[("111", "eu-west-1", "2024-05-01 10:00:00", Some("e1"), "{}")]);
        let mut keys = EventKeys::of_case(&conn, 10).unwrap();
        let east = keys.number(name("111", "us-east-1", MAY_1));
        assert!(!keys.needs_reading(east));
        assert!(keys.insert(east, event_key(Some("111"), Some("e1"), "")));
    }

    #[test]
    fn reading_for_a_batch_never_drops_another_partition_of_that_batch() {
        let conn = crate::store::open_in_memory().unwrap();
        store(&conn, &[("111", "eu-west-1", "2024-05-01 10:00:00", Some("e1"), "{}")]);
        let mut keys = EventKeys::of_case(&conn, 1).unwrap();
        let west = keys.number(name("111", "eu-west-1", MAY_1));
        let fresh = keys.number(name("333", "eu-west-1", MAY_1));
        assert!(keys.start_batch(&[fresh]).is_empty());
        assert!(keys.insert(fresh, event_key(Some("333"), Some("f1"), "")));
        assert_eq!(keys.start_batch(&[fresh, west, fresh]), vec![west]);
        keys.read(&conn, west).unwrap();
        assert!(!keys.insert(fresh, event_key(Some("333"), Some("f1"), "")));
        assert!(!keys.insert(west, event_key(Some("111"), Some("e1"), "")));
    }

    #[test]
    fn a_partition_in_use_is_never_dropped() {
        let conn = crate::store::open_in_memory().unwrap();
        let mut keys = EventKeys::of_case(&conn, 2).unwrap();
        let only = keys.number(name("111", "eu-west-1", MAY_1));
        keys.start_batch(&[]);
        for i in 0..5 {
            assert!(keys.insert(only, event_key(Some("111"), Some(&format!("e{i}")), "")));
        }
        assert!(!keys.needs_reading(only));
        assert!(!keys.insert(only, event_key(Some("111"), Some("e0"), "")));
    }
}
