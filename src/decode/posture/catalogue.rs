//! The commands rootlens reads, each with the top-level keys that identify its output and
//! the fields the posture checks need (checked here, so a wrong-shape file fails at ingest
//! naming the field instead of passing a check by accident).

use serde_json::Value;

use crate::decode::DecodeError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    IamGetAccountSummary,
    IamListVirtualMfaDevices,
    IamGetAccountPasswordPolicy,
    IamListOrganizationsFeatures,
    OrganizationsListAccounts,
    OrganizationsDescribeAccount,
    OrganizationsListPolicies,
    OrganizationsDescribePolicy,
    OrganizationsListTargetsForPolicy,
    OrganizationsListParents,
    AccountGetAlternateContact,
    LogsDescribeMetricFilters,
    CloudwatchDescribeAlarms,
    SnsListSubscriptionsByTopic,
    EventsListRules,
    EventsListTargetsByRule,
    CloudtrailDescribeTrails,
    CloudtrailGetTrailStatus,
    CloudtrailGetEventSelectors,
}

/// Every command, in the order `collect-commands` runs them.
pub const COMMANDS: [Command; 19] = [
    Command::IamGetAccountSummary,
    Command::IamListVirtualMfaDevices,
    Command::IamGetAccountPasswordPolicy,
    Command::AccountGetAlternateContact,
    Command::CloudtrailDescribeTrails,
    Command::CloudtrailGetTrailStatus,
    Command::CloudtrailGetEventSelectors,
    Command::LogsDescribeMetricFilters,
    Command::CloudwatchDescribeAlarms,
    Command::SnsListSubscriptionsByTopic,
    Command::EventsListRules,
    Command::EventsListTargetsByRule,
    Command::OrganizationsDescribeAccount,
    Command::OrganizationsListAccounts,
    Command::OrganizationsListParents,
    Command::OrganizationsListPolicies,
    Command::OrganizationsDescribePolicy,
    Command::OrganizationsListTargetsForPolicy,
    Command::IamListOrganizationsFeatures,
];

/// What a field must be.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Number,
    Array,
    Object,
}

impl Kind {
    fn matches(self, value: &Value) -> bool {
        match self {
            Kind::Text => value.is_string(),
            Kind::Number => value.is_number(),
            Kind::Array => value.is_array(),
            Kind::Object => value.is_object(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Number => "a number",
            Kind::Array => "a list",
            Kind::Object => "an object",
        }
    }
}

/// The layout of an output: a list (or one object) under `container`, and the fields each
/// entry must have.
struct Shape {
    container: &'static str,
    list: bool,
    required: &'static [(&'static str, Kind)],
}

impl Command {
    /// The AWS CLI command, as typed.
    pub fn cli(self) -> &'static str {
        match self {
            Command::IamGetAccountSummary => "iam get-account-summary",
            Command::IamListVirtualMfaDevices => "iam list-virtual-mfa-devices",
            Command::IamGetAccountPasswordPolicy => "iam get-account-password-policy",
            Command::IamListOrganizationsFeatures => "iam list-organizations-features",
            Command::OrganizationsListAccounts => "organizations list-accounts",
            Command::OrganizationsDescribeAccount => "organizations describe-account",
            Command::OrganizationsListPolicies => "organizations list-policies",
            Command::OrganizationsDescribePolicy => "organizations describe-policy",
            Command::OrganizationsListTargetsForPolicy => "organizations list-targets-for-policy",
            Command::OrganizationsListParents => "organizations list-parents",
            Command::AccountGetAlternateContact => "account get-alternate-contact",
            Command::LogsDescribeMetricFilters => "logs describe-metric-filters",
            Command::CloudwatchDescribeAlarms => "cloudwatch describe-alarms",
            Command::SnsListSubscriptionsByTopic => "sns list-subscriptions-by-topic",
            Command::EventsListRules => "events list-rules",
            Command::EventsListTargetsByRule => "events list-targets-by-rule",
            Command::CloudtrailDescribeTrails => "cloudtrail describe-trails",
            Command::CloudtrailGetTrailStatus => "cloudtrail get-trail-status",
            Command::CloudtrailGetEventSelectors => "cloudtrail get-event-selectors",
        }
    }

    /// `sources.kind`: `posture_` and the command in snake case.
    pub fn source_kind(self) -> &'static str {
        match self {
            Command::IamGetAccountSummary => "posture_iam_get_account_summary",
            Command::IamListVirtualMfaDevices => "posture_iam_list_virtual_mfa_devices",
            Command::IamGetAccountPasswordPolicy => "posture_iam_get_account_password_policy",
            Command::IamListOrganizationsFeatures => "posture_iam_list_organizations_features",
            Command::OrganizationsListAccounts => "posture_organizations_list_accounts",
            Command::OrganizationsDescribeAccount => "posture_organizations_describe_account",
            Command::OrganizationsListPolicies => "posture_organizations_list_policies",
            Command::OrganizationsDescribePolicy => "posture_organizations_describe_policy",
            Command::OrganizationsListTargetsForPolicy => {
                "posture_organizations_list_targets_for_policy"
            }
            Command::OrganizationsListParents => "posture_organizations_list_parents",
            Command::AccountGetAlternateContact => "posture_account_get_alternate_contact",
            Command::LogsDescribeMetricFilters => "posture_logs_describe_metric_filters",
            Command::CloudwatchDescribeAlarms => "posture_cloudwatch_describe_alarms",
            Command::SnsListSubscriptionsByTopic => "posture_sns_list_subscriptions_by_topic",
            Command::EventsListRules => "posture_events_list_rules",
            Command::EventsListTargetsByRule => "posture_events_list_targets_by_rule",
            Command::CloudtrailDescribeTrails => "posture_cloudtrail_describe_trails",
            Command::CloudtrailGetTrailStatus => "posture_cloudtrail_get_trail_status",
            Command::CloudtrailGetEventSelectors => "posture_cloudtrail_get_event_selectors",
        }
    }

    /// The token naming the command in a collected file's name: `iam-get-account-summary`.
    pub fn file_token(self) -> String {
        self.cli().replace(' ', "-")
    }

    /// The API operation, as an error names it.
    fn operation(self) -> &'static str {
        match self {
            Command::IamGetAccountSummary => "GetAccountSummary",
            Command::IamListVirtualMfaDevices => "ListVirtualMFADevices",
            Command::IamGetAccountPasswordPolicy => "GetAccountPasswordPolicy",
            Command::IamListOrganizationsFeatures => "ListOrganizationsFeatures",
            Command::OrganizationsListAccounts => "ListAccounts",
            Command::OrganizationsDescribeAccount => "DescribeAccount",
            Command::OrganizationsListPolicies => "ListPolicies",
            Command::OrganizationsDescribePolicy => "DescribePolicy",
            Command::OrganizationsListTargetsForPolicy => "ListTargetsForPolicy",
            Command::OrganizationsListParents => "ListParents",
            Command::AccountGetAlternateContact => "GetAlternateContact",
            Command::LogsDescribeMetricFilters => "DescribeMetricFilters",
            Command::CloudwatchDescribeAlarms => "DescribeAlarms",
            Command::SnsListSubscriptionsByTopic => "ListSubscriptionsByTopic",
            Command::EventsListRules => "ListRules",
            Command::EventsListTargetsByRule => "ListTargetsByRule",
            Command::CloudtrailDescribeTrails => "DescribeTrails",
            Command::CloudtrailGetTrailStatus => "GetTrailStatus",
            Command::CloudtrailGetEventSelectors => "GetEventSelectors",
        }
    }

    /// The command whose failure the collection script saved as
    /// `{"Operation": "GetAccountPasswordPolicy", "Error": {"Code": "NoSuchEntity", …}}`:
    /// an answer too (no password policy, no security contact), not a missing input.
    pub fn from_error(operation: &str) -> Option<Command> {
        COMMANDS.into_iter().find(|c| c.operation() == operation)
    }

    /// The command a file's name says it holds (`…__iam-get-account-summary…`).
    pub fn from_file_name(name: &str) -> Option<Command> {
        let name = name.to_ascii_lowercase();
        // Longest token first: `list-targets-for-policy` before `list-policies` cannot clash,
        // but `describe-account` is a prefix of nothing else either; order only for clarity.
        COMMANDS
            .into_iter()
            .filter(|c| name.contains(&c.file_token()))
            .max_by_key(|c| c.file_token().len())
    }

    /// Top-level keys that together identify the output (besides `Targets`, told apart by
    /// its entries, and saved errors).
    pub(super) fn signature(self) -> &'static [&'static str] {
        match self {
            Command::IamGetAccountSummary => &["SummaryMap"],
            Command::IamListVirtualMfaDevices => &["VirtualMFADevices"],
            Command::IamGetAccountPasswordPolicy => &["PasswordPolicy"],
            Command::IamListOrganizationsFeatures => &["EnabledFeatures"],
            Command::OrganizationsListAccounts => &["Accounts"],
            Command::OrganizationsDescribeAccount => &["Account"],
            Command::OrganizationsListPolicies => &["Policies"],
            Command::OrganizationsDescribePolicy => &["Policy"],
            Command::OrganizationsListParents => &["Parents"],
            Command::AccountGetAlternateContact => &["AlternateContact"],
            Command::LogsDescribeMetricFilters => &["metricFilters"],
            Command::CloudwatchDescribeAlarms => &["MetricAlarms"],
            Command::SnsListSubscriptionsByTopic => &["Subscriptions"],
            Command::EventsListRules => &["Rules"],
            Command::CloudtrailDescribeTrails => &["trailList"],
            Command::CloudtrailGetTrailStatus => &["IsLogging"],
            Command::CloudtrailGetEventSelectors => &["TrailARN"],
            // Both print `Targets`: told apart by their entries (see `recognise`).
            Command::OrganizationsListTargetsForPolicy | Command::EventsListTargetsByRule => &[],
        }
    }

    /// Whether the command runs once per rule, policy, trail, topic or account, so the file
    /// name carries what it ran for.
    pub fn per_subject(self) -> bool {
        matches!(
            self,
            Command::OrganizationsDescribePolicy
                | Command::OrganizationsListTargetsForPolicy
                | Command::OrganizationsListParents
                | Command::OrganizationsDescribeAccount
                | Command::AccountGetAlternateContact
                | Command::SnsListSubscriptionsByTopic
                | Command::EventsListTargetsByRule
                | Command::CloudtrailGetTrailStatus
                | Command::CloudtrailGetEventSelectors
        )
    }

    /// Whether the output's main value is a list or object as this command prints it (a
    /// `{"Account": "1111…"}` from `sts get-caller-identity` is not `describe-account`).
    pub(super) fn container_fits(self, value: &Value) -> bool {
        let shape = self.shape();
        match value.get(shape.container) {
            Some(Value::Array(_)) => shape.list,
            Some(Value::Object(_)) => !shape.list,
            Some(Value::Bool(_)) => self == Command::CloudtrailGetTrailStatus,
            Some(Value::String(_)) => self == Command::CloudtrailGetEventSelectors,
            _ => false,
        }
    }

    fn shape(self) -> Shape {
        use Kind::*;
        let shape = |container, list, required| Shape {
            container,
            list,
            required,
        };
        match self {
            Command::IamGetAccountSummary => shape(
                "SummaryMap",
                false,
                &[
                    ("AccountMFAEnabled", Number),
                    ("AccountAccessKeysPresent", Number),
                ],
            ),
            Command::IamListVirtualMfaDevices => {
                shape("VirtualMFADevices", true, &[("SerialNumber", Text)])
            }
            Command::IamGetAccountPasswordPolicy => shape("PasswordPolicy", false, &[]),
            Command::IamListOrganizationsFeatures => shape("EnabledFeatures", true, &[]),
            Command::OrganizationsListAccounts => {
                shape("Accounts", true, &[("Id", Text), ("Email", Text)])
            }
            Command::OrganizationsDescribeAccount => {
                shape("Account", false, &[("Id", Text), ("Email", Text)])
            }
            Command::OrganizationsListPolicies => {
                shape("Policies", true, &[("Id", Text), ("Name", Text)])
            }
            Command::OrganizationsDescribePolicy => shape(
                "Policy",
                false,
                &[("PolicySummary", Object), ("Content", Text)],
            ),
            Command::OrganizationsListTargetsForPolicy => {
                shape("Targets", true, &[("TargetId", Text), ("Type", Text)])
            }
            Command::OrganizationsListParents => {
                shape("Parents", true, &[("Id", Text), ("Type", Text)])
            }
            Command::AccountGetAlternateContact => {
                shape("AlternateContact", false, &[("AlternateContactType", Text)])
            }
            Command::LogsDescribeMetricFilters => shape(
                "metricFilters",
                true,
                &[
                    ("filterName", Text),
                    ("logGroupName", Text),
                    ("metricTransformations", Array),
                ],
            ),
            Command::CloudwatchDescribeAlarms => {
                shape("MetricAlarms", true, &[("AlarmName", Text)])
            }
            Command::SnsListSubscriptionsByTopic => shape(
                "Subscriptions",
                true,
                &[("SubscriptionArn", Text), ("TopicArn", Text)],
            ),
            Command::EventsListRules => shape("Rules", true, &[("Name", Text)]),
            Command::EventsListTargetsByRule => {
                shape("Targets", true, &[("Id", Text), ("Arn", Text)])
            }
            Command::CloudtrailDescribeTrails => {
                shape("trailList", true, &[("Name", Text), ("TrailARN", Text)])
            }
            Command::CloudtrailGetTrailStatus => shape("IsLogging", false, &[]),
            Command::CloudtrailGetEventSelectors => shape("TrailARN", false, &[]),
        }
    }
}

/// Checks the fields the checks read; returns how many entries the output lists.
pub(super) fn check_shape(command: Command, value: &Value) -> Result<u64, DecodeError> {
    let shape = command.shape();
    let wrong = |place: String, cause: String| {
        Err(DecodeError::new(
            place,
            format!("not `{}` output: {cause}", command.cli()),
        ))
    };
    let Some(container) = value.get(shape.container) else {
        return wrong("the document".into(), format!("no `{}`", shape.container));
    };
    if command == Command::CloudtrailGetTrailStatus {
        return match container.is_boolean() {
            true => Ok(1),
            false => wrong("IsLogging".into(), "is not true or false".into()),
        };
    }
    if command == Command::CloudtrailGetEventSelectors {
        let selectors = value
            .get("EventSelectors")
            .or_else(|| value.get("AdvancedEventSelectors"));
        return match (container.is_string(), selectors) {
            (true, Some(Value::Array(list))) => Ok(list.len() as u64),
            (false, _) => wrong("TrailARN".into(), "is not text".into()),
            _ => wrong(
                "the document".into(),
                "no EventSelectors or AdvancedEventSelectors list".into(),
            ),
        };
    }
    let entries: Vec<(String, &Value)> = if shape.list {
        let Some(list) = container.as_array() else {
            return wrong(shape.container.into(), "is not a list".into());
        };
        list.iter()
            .enumerate()
            .map(|(i, entry)| (format!("{}[{i}]", shape.container), entry))
            .collect()
    } else {
        vec![(shape.container.to_string(), container)]
    };
    for (place, entry) in &entries {
        if command == Command::IamListOrganizationsFeatures {
            if !entry.is_string() {
                return wrong(place.clone(), "is not text".into());
            }
            continue;
        }
        if !entry.is_object() {
            return wrong(place.clone(), "is not an object".into());
        }
        for (field, kind) in shape.required {
            match entry.get(*field) {
                Some(v) if kind.matches(v) => {}
                Some(_) => {
                    return wrong(
                        format!("{place}.{field}"),
                        format!("is not {}", kind.name()),
                    )
                }
                None => return wrong(place.clone(), format!("has no {field}")),
            }
        }
    }
    Ok(entries.len() as u64)
}

/// A saved error: `{"Operation": …, "Error": {"Code": …, "Message": …}}`; returns the code.
pub(super) fn check_error(value: &Value) -> Result<String, DecodeError> {
    value
        .pointer("/Error/Code")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| DecodeError::new("Error", "a saved CLI error without Error.Code"))
}

/// The account an output names itself, for files not named by the collection script.
pub(super) fn account_in_document(command: Command, value: &Value) -> Option<String> {
    let arn = match command {
        Command::CloudtrailDescribeTrails => value.pointer("/trailList/0/TrailARN"),
        Command::CloudtrailGetEventSelectors => value.get("TrailARN"),
        Command::CloudwatchDescribeAlarms => value.pointer("/MetricAlarms/0/AlarmArn"),
        Command::SnsListSubscriptionsByTopic => value.pointer("/Subscriptions/0/TopicArn"),
        Command::EventsListRules => value.pointer("/Rules/0/Arn"),
        Command::IamListVirtualMfaDevices => value.pointer("/VirtualMFADevices/0/SerialNumber"),
        Command::LogsDescribeMetricFilters => None,
        // The organisation's listing names the management account in its own ARN.
        Command::OrganizationsListAccounts => value.pointer("/Accounts/0/Arn"),
        _ => None,
    }?;
    account_of_arn(arn.as_str()?)
}

/// The account id inside an ARN (`arn:aws:service:region:ACCOUNT:…`), or, in an
/// Organizations account ARN (`arn:aws:organizations::MGMT:account/o-…/ACCOUNT`), the
/// management account that owns it.
fn account_of_arn(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .then(|| account.to_string())
}

/// What a per-item output names itself, for files not named by the collection script.
pub(super) fn subject_in_document(command: Command, value: &Value) -> Option<String> {
    let text = match command {
        Command::CloudtrailGetEventSelectors => value.get("TrailARN"),
        Command::SnsListSubscriptionsByTopic => value.pointer("/Subscriptions/0/TopicArn"),
        Command::OrganizationsDescribePolicy => value.pointer("/Policy/PolicySummary/Id"),
        Command::OrganizationsDescribeAccount => value.pointer("/Account/Id"),
        Command::AccountGetAlternateContact => {
            value.pointer("/AlternateContact/AlternateContactType")
        }
        _ => None,
    }?;
    text.as_str().map(str::to_string)
}
