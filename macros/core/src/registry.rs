//! The CloudFormation registry, for the `resource` block: every resource type of one region
//! (us-east-1) with its schema, vendored by `runtime/codegen/vendor-registry.sh` from
//! cfn-lint's package data into `registry/schemas.bin` and embedded in the macro.
//!
//! The archive is an index of type names then one raw DEFLATE entry per type (the script
//! describes the format): a program pays for the index (a few microseconds) and for the
//! entries of the types it uses, each inflated once per process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value as Json;

/// The vendored archive.
static ARCHIVE: &[u8] = include_bytes!("../registry/schemas.bin");

/// The first line of an archive this reader understands.
const MAGIC: &str = "pipewright-registry 1";

/// The archive's index: where each type's entry is.
struct Index {
    /// Where the source line says the schemas come from (cfn-lint's version, the region).
    source: &'static str,
    /// Type name, offset and length of its entry, sorted by name.
    entries: Vec<(&'static str, usize, usize)>,
    /// Where the entries start.
    data: usize,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        read_index(ARCHIVE)
            .expect("the vendored registry archive is well formed (a unit test reads it)")
    })
}

/// Reads the index of an archive; `None` when it is not one.
fn read_index(archive: &'static [u8]) -> Option<Index> {
    let end = archive.windows(2).position(|w| w == b"\n\n")?;
    let header = std::str::from_utf8(&archive[..end]).ok()?;
    let mut lines = header.lines();
    if lines.next()? != MAGIC {
        return None;
    }
    let source = lines.next()?;
    let entries = lines
        .map(|line| {
            let mut fields = line.split(' ');
            let name = fields.next()?;
            let offset = fields.next()?.parse().ok()?;
            let length = fields.next()?.parse().ok()?;
            Some((name, offset, length))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Index {
        source,
        entries,
        data: end + 2,
    })
}

/// Every type name of the registry, sorted.
pub fn type_names() -> impl Iterator<Item = &'static str> {
    index().entries.iter().map(|(name, ..)| *name)
}

/// Where the vendored schemas come from: cfn-lint's version and the region.
pub fn source() -> &'static str {
    index().source
}

/// The schema of a registry type, or `None` for a type the registry does not have.
pub fn schema(type_name: &str) -> Option<Arc<Schema>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Schema>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(schema) = cache.lock().ok()?.get(type_name) {
        return Some(schema.clone());
    }
    let index = index();
    let at = index
        .entries
        .binary_search_by(|(name, ..)| (*name).cmp(type_name))
        .ok()?;
    let (_, offset, length) = index.entries[at];
    let start = index.data + offset;
    let entry = ARCHIVE.get(start..start + length)?;
    let text = miniz_oxide::inflate::decompress_to_vec(entry).ok()?;
    let schema = Arc::new(Schema {
        json: serde_json::from_slice(&text).ok()?,
    });
    cache
        .lock()
        .ok()?
        .insert(type_name.to_owned(), schema.clone());
    Some(schema)
}

/// A resource type's registry schema (without its descriptions), with what the vendoring
/// script adds: the attributes `Fn::GetAtt` accepts and whether cfn-lint counts the type
/// as stateful.
#[derive(Debug)]
pub struct Schema {
    json: Json,
}

impl Schema {
    /// The schema as JSON.
    pub fn json(&self) -> &Json {
        &self.json
    }

    /// Its type name.
    pub fn type_name(&self) -> &str {
        self.json["typeName"].as_str().unwrap_or_default()
    }

    /// The attributes `Fn::GetAtt` accepts, as cfn-lint lists them (`Arn`,
    /// `Endpoint.Address`); a few types accept a pattern (`Outputs\..*`).
    pub fn attributes(&self) -> Vec<&str> {
        strings(&self.json["x-getatts"])
    }

    /// Whether `Fn::GetAtt` accepts this attribute.
    pub fn has_attribute(&self, name: &str) -> bool {
        self.attributes()
            .iter()
            .any(|a| match a.strip_suffix(".*") {
                Some(prefix) => name.starts_with(prefix),
                None => *a == name,
            })
    }

    /// Whether cfn-lint's list of stateful types has it.
    pub fn listed_stateful(&self) -> bool {
        self.json["x-stateful"].as_bool().unwrap_or(false)
    }

    /// The top-level properties named by one of the schema's lists of JSON pointers
    /// (`readOnlyProperties`, `createOnlyProperties`, ...): `/properties/Arn` is `Arn`.
    pub fn top_level(&self, list: &str) -> Vec<&str> {
        let mut names: Vec<&str> = strings(&self.json[list])
            .into_iter()
            .filter_map(|p| p.strip_prefix("/properties/"))
            .map(|p| p.split('/').next().unwrap_or(p))
            .collect();
        names.dedup();
        names
    }

    /// The JSON pointers of one of those lists, each as its path below `/properties`
    /// (`/properties/Endpoint/Address` is `["Endpoint", "Address"]`).
    pub fn paths(&self, list: &str) -> Vec<Vec<&str>> {
        strings(&self.json[list])
            .into_iter()
            .filter_map(|p| p.strip_prefix("/properties/"))
            .map(|p| p.split('/').collect())
            .collect()
    }

    /// The definition a `$ref` names (`#/definitions/Endpoint`).
    pub fn resolve(&self, reference: &str) -> Option<&Json> {
        let pointer = reference.strip_prefix('#')?;
        self.json.pointer(pointer)
    }
}

fn strings(list: &Json) -> Vec<&str> {
    list.as_array()
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The archive is readable and complete: every type of the index inflates to its own
    /// schema, with its attributes. (Regenerate it with runtime/codegen/vendor-registry.sh.)
    #[test]
    fn every_vendored_schema_reads() {
        let names: Vec<&str> = type_names().collect();
        assert!(names.len() >= 1500, "{} types", names.len());
        assert!(names.windows(2).all(|w| w[0] < w[1]), "the index is sorted");
        assert!(source().starts_with("cfn-lint "), "{}", source());
        let index = index();
        let mut end = 0;
        for (name, offset, length) in &index.entries {
            assert_eq!(*offset, end, "{name}: the entries follow each other");
            end = offset + length;
            let schema = schema(name).unwrap_or_else(|| panic!("{name} does not read"));
            assert_eq!(schema.type_name(), *name);
            assert!(schema.json()["x-getatts"].is_array(), "{name}");
            assert!(schema.json()["x-stateful"].is_boolean(), "{name}");
        }
        assert_eq!(
            index.data + end,
            ARCHIVE.len(),
            "nothing after the last entry"
        );
    }

    #[test]
    fn reads_what_the_checks_need() {
        let pool = schema("AWS::Cognito::UserPool").unwrap();
        assert!(pool.listed_stateful());
        assert!(pool.has_attribute("Arn"));
        assert!(!pool.has_attribute("Nope"));
        assert!(pool.top_level("readOnlyProperties").contains(&"Arn"));
        let cache = schema("AWS::ElastiCache::ServerlessCache").unwrap();
        assert!(cache.has_attribute("Endpoint.Address"));
        assert_eq!(
            cache.top_level("createOnlyProperties"),
            cache.top_level("createOnlyProperties")
        );
        assert!(cache
            .paths("readOnlyProperties")
            .contains(&vec!["Endpoint", "Address"]));
        assert!(schema("AWS::Nope::Nope").is_none());
        // Cached: the same schema, not a second inflation.
        assert!(Arc::ptr_eq(
            &pool,
            &schema("AWS::Cognito::UserPool").unwrap()
        ));
    }
}
