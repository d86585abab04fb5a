//! The CISA Known Exploited Vulnerabilities catalog (the JSON feed CISA publishes). The engine
//! uses each entry's `dueDate` as given (R5.5): it never computes a KEV deadline.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result, from_json_error};

/// One catalog entry, as far as the POA&M needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct KevEntry {
    /// `CVE-2025-48384`.
    pub cve: String,
    /// Date CISA added it.
    pub date_added: NaiveDate,
    /// CISA's remediation due date (column AC).
    pub due_date: NaiveDate,
    /// Vendor or project.
    pub vendor_project: String,
    /// Product.
    pub product: String,
}

/// The catalog, indexed by CVE.
#[derive(Debug, Clone, Default)]
pub struct KevCatalog {
    /// Catalog version (`2025.08.25`).
    pub version: String,
    entries: HashMap<String, KevEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCatalog {
    #[serde(default)]
    catalog_version: String,
    vulnerabilities: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry {
    #[serde(rename = "cveID")]
    cve_id: String,
    date_added: NaiveDate,
    due_date: NaiveDate,
    #[serde(default)]
    vendor_project: String,
    #[serde(default)]
    product: String,
}

impl KevCatalog {
    /// Parses the catalog JSON; `label` names it in errors (with the JSON path of a bad entry).
    pub fn from_json(bytes: &[u8], label: &str) -> Result<KevCatalog> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let raw: RawCatalog = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let err = from_json_error(e.inner(), label);
            let loc = err.location().clone().with_field(path);
            err.at(loc)
        })?;
        let mut entries = HashMap::with_capacity(raw.vulnerabilities.len());
        for (i, v) in raw.vulnerabilities.into_iter().enumerate() {
            let cve = v.cve_id.trim().to_ascii_uppercase();
            if !cve.starts_with("CVE-") {
                return Err(Error::invalid(format!("`{}` is not a CVE id", v.cve_id))
                    .at(Location::file(label).with_field(format!("vulnerabilities[{i}].cveID"))));
            }
            let entry = KevEntry {
                cve: cve.clone(),
                date_added: v.date_added,
                due_date: v.due_date,
                vendor_project: v.vendor_project,
                product: v.product,
            };
            entries.insert(cve, entry);
        }
        Ok(KevCatalog { version: raw.catalog_version, entries })
    }

    /// Reads the catalog from a file.
    pub fn load(path: &Path) -> Result<KevCatalog> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(e, path))?;
        KevCatalog::from_json(&bytes, &path.display().to_string())
    }

    /// A catalog from entries (tests, embedding).
    pub fn from_entries(entries: impl IntoIterator<Item = KevEntry>) -> KevCatalog {
        KevCatalog {
            version: String::new(),
            entries: entries.into_iter().map(|e| (e.cve.to_ascii_uppercase(), e)).collect(),
        }
    }

    /// The entry of a CVE.
    pub fn get(&self, cve: &str) -> Option<&KevEntry> {
        self.entries.get(&cve.trim().to_ascii_uppercase())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The earliest due date among the CVEs that are in the catalog (`String`s, `&str`s or a
    /// POA&M item's `CompactString`s).
    pub fn earliest_due<'a, S: AsRef<str> + ?Sized + 'a>(
        &self,
        cves: impl IntoIterator<Item = &'a S>,
    ) -> Option<NaiveDate> {
        cves.into_iter().filter_map(|c| self.get(c.as_ref())).map(|e| e.due_date).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_locates_bad_entries() {
        let ok = br#"{"catalogVersion": "1", "vulnerabilities": [
            {"cveID": "CVE-2024-1", "dateAdded": "2024-01-02", "dueDate": "2024-01-23", "vendorProject": "V", "product": "P"},
            {"cveID": "cve-2024-2", "dateAdded": "2024-01-02", "dueDate": "2024-07-02"}]}"#;
        let cat = KevCatalog::from_json(ok, "kev.json").unwrap_or_default();
        assert_eq!(cat.len(), 2);
        assert_eq!(cat.get("CVE-2024-2").map(|e| e.due_date.to_string()).as_deref(), Some("2024-07-02"));
        let cves = vec!["CVE-2024-2".to_string(), "CVE-2024-1".to_string(), "CVE-9".to_string()];
        assert_eq!(cat.earliest_due(&cves).map(|d| d.to_string()).as_deref(), Some("2024-01-23"));
        let bad = br#"{"vulnerabilities": [{"cveID": "CVE-1", "dateAdded": "2024-01-02", "dueDate": "soon"}]}"#;
        let e = KevCatalog::from_json(bad, "kev.json").err().map(|e| e.to_report());
        assert!(e.is_some_and(|e| e.location.field.as_deref() == Some("vulnerabilities[0].dueDate")));
    }
}
