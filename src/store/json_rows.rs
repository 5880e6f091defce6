//! A query's rows as JSON objects, with its column names, from one planning of the query.

use anyhow::Result;
use duckdb::Connection;

/// Runs `sql` and hands each row to `each` as the JSON text of an object (DuckDB's `to_json`);
/// returns the column names, in order.
///
/// The names come from the type of a second column that is always NULL: a struct of the row.
/// Queries over the layered views take as long to plan as a small one takes to run, so a
/// `DESCRIBE` beside the query would cost as much again.
pub fn for_each(
    conn: &Connection,
    sql: &str,
    mut each: impl FnMut(String) -> Result<()>,
) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT to_json(q)::VARCHAR, CASE WHEN false THEN q END FROM ({sql}) AS q"
    ))?;
    let shape = stmt.column_logical_type(1);
    let columns = (0..shape.num_children())
        .map(|field| shape.child_name(field))
        .collect();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        each(row.get(0)?)?;
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_the_column_names_in_order_with_or_without_rows() {
        let conn = Connection::open_in_memory().unwrap();
        let mut seen = Vec::new();
        let columns = for_each(
            &conn,
            "SELECT 2 AS b, 'x' AS a, [1, 2] AS list FROM range(2)",
            |json| {
                seen.push(json);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(columns, ["b", "a", "list"]);
        assert_eq!(seen, [r#"{"b":2,"a":"x","list":[1,2]}"#; 2]);

        let columns = for_each(&conn, "SELECT 1 AS only WHERE false", |_| {
            panic!("no row")
        })
        .unwrap();
        assert_eq!(columns, ["only"]);
    }
}
