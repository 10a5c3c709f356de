//! Registry schemas: loading them and following their `$ref`s and JSON pointers.

use std::path::Path;

use serde_json::Value as Json;

/// One resource type's registry schema.
#[derive(Clone, Debug)]
pub struct Schema {
    /// `AWS::Lambda::Function`.
    pub type_name: String,
    /// The whole schema document.
    pub json: Json,
}

impl Schema {
    /// A schema from its JSON document.
    pub fn from_json(json: Json) -> Result<Schema, String> {
        let type_name = json
            .get("typeName")
            .and_then(Json::as_str)
            .ok_or("schema has no `typeName`")?
            .to_owned();
        let parts: Vec<&str> = type_name.split("::").collect();
        if parts.len() != 3 || parts.iter().any(|p| !crate::naming::is_identifier(p)) {
            return Err(format!(
                "`{type_name}` is not a resource type name of the form AWS::Service::Type"
            ));
        }
        Ok(Schema { type_name, json })
    }

    /// The service segment: `Lambda`.
    pub fn service(&self) -> &str {
        self.type_name
            .split("::")
            .nth(1)
            .expect("checked in from_json")
    }

    /// The type segment: `Function`.
    pub fn resource(&self) -> &str {
        self.type_name
            .split("::")
            .nth(2)
            .expect("checked in from_json")
    }

    /// The definition a `$ref` names, with its name (only `#/definitions/Name` refs exist
    /// in the registry schemas).
    pub fn resolve<'a>(&'a self, reference: &'a str) -> Result<(&'a str, &'a Json), String> {
        let name = reference
            .strip_prefix("#/definitions/")
            .filter(|n| !n.contains('/'))
            .ok_or_else(|| format!("{}: unsupported $ref `{reference}`", self.type_name))?;
        let definition = self
            .json
            .get("definitions")
            .and_then(|d| d.get(name))
            .ok_or_else(|| format!("{}: $ref `{reference}` names no definition", self.type_name))?;
        Ok((name, definition))
    }

    /// A list of JSON pointers of the schema (`readOnlyProperties`, ...).
    pub fn pointers(&self, key: &str) -> Vec<&str> {
        self.json
            .get(key)
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default()
    }

    /// Where in the schema document the property at an instance pointer is declared:
    /// `/properties/Code/S3Bucket` of `AWS::Lambda::Function` is declared at
    /// `/definitions/Code/properties/S3Bucket`. `None` when the pointer leads nowhere.
    pub fn declaration_of(&self, pointer: &str) -> Option<String> {
        let mut segments = pointer.strip_prefix("/properties/")?.split('/');
        let first = segments.next()?;
        let mut location = format!("/properties/{first}");
        let mut node = self.json.get("properties")?.get(first)?;
        for segment in segments {
            if let Some(reference) = node.get("$ref").and_then(Json::as_str) {
                let (name, definition) = self.resolve(reference).ok()?;
                location = format!("/definitions/{name}");
                node = definition;
            }
            if segment == "*" {
                location.push_str("/items");
                node = node.get("items")?;
            } else {
                location = format!("{location}/properties/{segment}");
                node = node.get("properties")?.get(segment)?;
            }
        }
        Some(location)
    }
}

/// Loads every `*.json` schema of a directory, sorted by type name.
pub fn load_dir(dir: &Path) -> Result<Vec<Schema>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    let mut schemas = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("reading {}: {e}", dir.display()))?
            .path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let json: Json =
            serde_json::from_str(&text).map_err(|e| format!("parsing {}: {e}", path.display()))?;
        schemas.push(Schema::from_json(json).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    schemas.sort_by(|a, b| a.type_name.cmp(&b.type_name));
    if let Some(w) = schemas
        .windows(2)
        .find(|w| w[0].type_name == w[1].type_name)
    {
        return Err(format!(
            "two schemas of {} in {}",
            w[0].type_name,
            dir.display()
        ));
    }
    Ok(schemas)
}
