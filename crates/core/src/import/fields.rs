//! Which column of an export holds which complaint field. Known exports (CFPB, Zendesk,
//! Intercom) and common generic names map themselves; any mapping can be given explicitly,
//! and explicit wins.

use serde::{Deserialize, Serialize};

/// A field of a complaint that a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    ExternalId,
    ReceivedAt,
    Title,
    Body,
    Customer,
    Segment,
    Product,
    Channel,
    Severity,
    Tags,
}

impl Field {
    /// Every field, in the order forms list them.
    pub const ALL: [Field; 10] = [
        Field::Body,
        Field::Title,
        Field::ReceivedAt,
        Field::ExternalId,
        Field::Customer,
        Field::Segment,
        Field::Product,
        Field::Channel,
        Field::Severity,
        Field::Tags,
    ];

    /// The name used on the command line (`--map body=Description`).
    pub fn name(self) -> &'static str {
        match self {
            Field::ExternalId => "external_id",
            Field::ReceivedAt => "received_at",
            Field::Title => "title",
            Field::Body => "body",
            Field::Customer => "customer",
            Field::Segment => "segment",
            Field::Product => "product",
            Field::Channel => "channel",
            Field::Severity => "severity",
            Field::Tags => "tags",
        }
    }

    /// What people call it, as the import form shows it.
    pub fn label(self) -> &'static str {
        match self {
            Field::Body => "Complaint text",
            Field::Title => "Title / subject",
            Field::ReceivedAt => "Date received",
            Field::ExternalId => "Id in the source system",
            Field::Customer => "Customer",
            Field::Segment => "Segment",
            Field::Product => "Product",
            Field::Channel => "Channel",
            Field::Severity => "Severity",
            Field::Tags => "Tags",
        }
    }

    /// Reads a field name as written on the command line.
    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.name() == name.trim().to_ascii_lowercase())
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// For each field, the column (header name, or dotted key path in JSON) that fills it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    columns: [Option<String>; 10],
}

impl Mapping {
    /// The column mapped to `field`.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.columns[field.index()].as_deref()
    }

    /// Maps `field` to `column` (or unmaps it with `None`).
    pub fn set(&mut self, field: Field, column: Option<String>) {
        self.columns[field.index()] = column;
    }

    /// Every mapped field with its column.
    pub fn pairs(&self) -> impl Iterator<Item = (Field, &str)> {
        Field::ALL
            .into_iter()
            .filter_map(|f| self.get(f).map(|c| (f, c)))
    }
}

/// A known export format, recognised by columns only it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownExport {
    /// The source name complaints from it are stored under, for de-duplication by id.
    pub source: &'static str,
    /// Columns (normalised) that must all be present.
    pub signature: &'static [&'static str],
    /// Column (normalised) for each field, before the generic names are tried.
    pub columns: &'static [(Field, &'static str)],
}

/// Exports whose columns map themselves.
pub const KNOWN_EXPORTS: &[KnownExport] = &[
    KnownExport {
        source: "cfpb",
        signature: &["complaintid", "consumercomplaintnarrative"],
        columns: &[
            (Field::ExternalId, "complaintid"),
            (Field::ReceivedAt, "datereceived"),
            (Field::Title, "issue"),
            (Field::Body, "consumercomplaintnarrative"),
            (Field::Product, "product"),
            (Field::Channel, "submittedvia"),
            (Field::Tags, "tags"),
        ],
    },
    KnownExport {
        source: "zendesk",
        signature: &["requester", "subject", "description"],
        columns: &[
            (Field::ExternalId, "id"),
            (Field::ReceivedAt, "createdat"),
            (Field::Title, "subject"),
            (Field::Body, "description"),
            (Field::Customer, "requester"),
            (Field::Segment, "organization"),
            (Field::Channel, "via"),
            (Field::Severity, "priority"),
            (Field::Tags, "tags"),
        ],
    },
    KnownExport {
        source: "zendesk",
        signature: &["requesterid", "subject", "description", "viachannel"],
        columns: &[
            (Field::ExternalId, "id"),
            (Field::ReceivedAt, "createdat"),
            (Field::Title, "subject"),
            (Field::Body, "description"),
            (Field::Customer, "requesterid"),
            (Field::Segment, "organizationid"),
            (Field::Channel, "viachannel"),
            (Field::Severity, "priority"),
            (Field::Tags, "tags"),
        ],
    },
    KnownExport {
        source: "intercom",
        signature: &["conversationid"],
        columns: &[
            (Field::ExternalId, "conversationid"),
            (Field::ReceivedAt, "conversationcreatedat"),
            (Field::Title, "conversationsubject"),
            (Field::Body, "firstmessage"),
            (Field::Customer, "useremail"),
            (Field::Segment, "companyname"),
            (Field::Channel, "channel"),
            (Field::Tags, "conversationtags"),
        ],
    },
    KnownExport {
        source: "intercom",
        signature: &["id", "createdat", "sourcebody"],
        columns: &[
            (Field::ExternalId, "id"),
            (Field::ReceivedAt, "createdat"),
            (Field::Title, "sourcesubject"),
            (Field::Body, "sourcebody"),
            (Field::Customer, "sourceauthoremail"),
            (Field::Channel, "sourcedeliveredas"),
            (Field::Severity, "priority"),
            (Field::Tags, "tagstags"),
        ],
    },
];

/// Generic column names for each field, most specific first (normalised: lower case,
/// letters and digits only).
const GENERIC: &[(Field, &[&str])] = &[
    (
        Field::ExternalId,
        &[
            "externalid",
            "complaintid",
            "ticketid",
            "ticketnumber",
            "caseid",
            "casenumber",
            "conversationid",
            "messageid",
            "reference",
            "ref",
            "id",
            "key",
            "number",
        ],
    ),
    (
        Field::ReceivedAt,
        &[
            "receivedat",
            "datereceived",
            "createdat",
            "created",
            "createddate",
            "creationdate",
            "submittedat",
            "datesubmitted",
            "opened",
            "openedat",
            "timestamp",
            "datetime",
            "time",
            "date",
        ],
    ),
    (
        Field::Title,
        &["title", "subject", "summary", "headline", "topic", "issue"],
    ),
    (
        Field::Body,
        &[
            "body",
            "consumercomplaintnarrative",
            "narrative",
            "complaint",
            "complainttext",
            "description",
            "message",
            "messagebody",
            "text",
            "content",
            "comment",
            "comments",
            "details",
            "feedback",
            "review",
            "firstmessage",
            "utterance",
            "query",
        ],
    ),
    (
        Field::Customer,
        &[
            "customer",
            "customerid",
            "customername",
            "requester",
            "requesterid",
            "user",
            "userid",
            "username",
            "client",
            "clientid",
            "contact",
            "author",
            "email",
        ],
    ),
    (
        Field::Segment,
        &[
            "segment",
            "customersegment",
            "plan",
            "tier",
            "organization",
            "organisation",
            "company",
            "companyname",
            "accounttype",
        ],
    ),
    (
        Field::Product,
        &[
            "product",
            "productname",
            "productarea",
            "service",
            "feature",
            "component",
        ],
    ),
    (
        Field::Channel,
        &[
            "channel",
            "via",
            "viachannel",
            "submittedvia",
            "source",
            "medium",
            "origin",
        ],
    ),
    (
        Field::Severity,
        &["severity", "priority", "urgency", "impact"],
    ),
    (Field::Tags, &["tags", "tag", "labels", "label"]),
];

/// Lower case, letters and digits only: "Date received" → "datereceived".
pub fn normalise(column: &str) -> String {
    column
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Works out the mapping for `columns`: a known export's own mapping first, then generic
/// names for fields still free, each column used once. Returns the mapping and the source
/// name of the export it recognised, if any.
pub fn auto_map(columns: &[String]) -> (Mapping, Option<&'static str>) {
    let normalised: Vec<String> = columns.iter().map(|c| normalise(c)).collect();
    let find = |key: &str, used: &[usize]| {
        normalised
            .iter()
            .position(|n| n == key)
            .filter(|i| !used.contains(i))
    };
    let mut mapping = Mapping::default();
    let mut used: Vec<usize> = Vec::new();
    let known = KNOWN_EXPORTS.iter().find(|k| {
        k.signature
            .iter()
            .all(|s| normalised.iter().any(|n| n == s))
    });
    if let Some(k) = known {
        for (field, key) in k.columns {
            if let Some(i) = find(key, &used) {
                mapping.set(*field, Some(columns[i].clone()));
                used.push(i);
            }
        }
    }
    // A recognised export is mapped by its own columns only: its other columns mean something
    // else (the CFPB's "Company" is the company complained about, not a customer segment).
    if known.is_some() {
        return (mapping, known.map(|k| k.source));
    }
    // Body first so that a generic name such as "message" serves the text before anything else.
    for (field, names) in GENERIC
        .iter()
        .filter(|(f, _)| *f == Field::Body)
        .chain(GENERIC.iter().filter(|(f, _)| *f != Field::Body))
    {
        if mapping.get(*field).is_some() {
            continue;
        }
        if let Some(i) = names.iter().find_map(|n| find(n, &used)) {
            mapping.set(*field, Some(columns[i].clone()));
            used.push(i);
        }
    }
    (mapping, known.map(|k| k.source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_cfpb_export_maps_itself() {
        let header = cols(&[
            "Date received",
            "Product",
            "Sub-product",
            "Issue",
            "Sub-issue",
            "Consumer complaint narrative",
            "Company public response",
            "Company",
            "State",
            "ZIP code",
            "Tags",
            "Consumer consent provided?",
            "Submitted via",
            "Date sent to company",
            "Company response to consumer",
            "Timely response?",
            "Consumer disputed?",
            "Complaint ID",
        ]);
        let (m, source) = auto_map(&header);
        assert_eq!(source, Some("cfpb"));
        assert_eq!(m.get(Field::Body), Some("Consumer complaint narrative"));
        assert_eq!(m.get(Field::ExternalId), Some("Complaint ID"));
        assert_eq!(m.get(Field::ReceivedAt), Some("Date received"));
        assert_eq!(m.get(Field::Title), Some("Issue"));
        assert_eq!(m.get(Field::Product), Some("Product"));
        assert_eq!(m.get(Field::Channel), Some("Submitted via"));
        assert_eq!(
            m.get(Field::Segment),
            None,
            "the company complained about is no segment"
        );
    }

    #[test]
    fn a_zendesk_export_maps_itself() {
        let (m, source) = auto_map(&cols(&[
            "Id",
            "Requester",
            "Subject",
            "Description",
            "Created at",
            "Priority",
            "Via",
            "Tags",
        ]));
        assert_eq!(source, Some("zendesk"));
        assert_eq!(m.get(Field::ExternalId), Some("Id"));
        assert_eq!(m.get(Field::Body), Some("Description"));
        assert_eq!(m.get(Field::Severity), Some("Priority"));
    }

    #[test]
    fn generic_names_map_and_each_column_serves_once() {
        let (m, source) = auto_map(&cols(&[
            "ticket_id",
            "created_at",
            "subject",
            "message",
            "text",
        ]));
        assert_eq!(source, None);
        assert_eq!(m.get(Field::ExternalId), Some("ticket_id"));
        assert_eq!(m.get(Field::ReceivedAt), Some("created_at"));
        assert_eq!(m.get(Field::Title), Some("subject"));
        assert_eq!(m.get(Field::Body), Some("message"));
    }

    #[test]
    fn a_text_and_category_file_maps_its_text() {
        let (m, _) = auto_map(&cols(&["text", "category"]));
        assert_eq!(m.get(Field::Body), Some("text"));
        assert_eq!(
            m.get(Field::Product),
            None,
            "an unnamed category is not assumed to be a product"
        );
        assert_eq!(m.get(Field::ReceivedAt), None);
    }

    #[test]
    fn field_names_parse_from_the_command_line() {
        assert_eq!(Field::parse("Body"), Some(Field::Body));
        assert_eq!(Field::parse("received_at"), Some(Field::ReceivedAt));
        assert_eq!(Field::parse("nope"), None);
    }
}
