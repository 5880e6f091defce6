#!/usr/bin/env bash
# Written by `rootlens collect-commands`: saves the read-only AWS CLI outputs rootlens's
# root-user posture checks read, one JSON file per command, into a folder. Run it on a machine
# with the AWS CLI and credentials; take the folder to rootlens (`rootlens ingest --db case.duckdb
# FOLDER`). It changes nothing in AWS.
#
# Usage: bash collect-posture.sh [FOLDER]      (default: ./posture)
#
# Accounts: @ACCOUNTS_NOTE@
# Regions: @REGIONS@ (CloudTrail, CloudWatch Logs and alarms, SNS, EventBridge are regional;
# IAM, Organizations and Account are saved once, as region "global").
#
# File names: <account>__<region>__<YYYYMMDDTHHMMSSZ>__<command>[__<subject>].json, the account
# the command ran in, when, and what a per-item command ran for (a trail, topic, rule, policy
# or child id). Run it again later into the same folder: rootlens compares the snapshots.
# An answer that is an error (no password policy: NoSuchEntity; no security contact:
# ResourceNotFoundException; Organizations features off) is saved as
# {"Operation": …, "Error": {"Code": …, "Message": …}}: it answers the check. Other errors
# (AccessDenied, throttling) are printed and nothing is saved: rootlens then says "not collected".
#
# IAM permissions (all read-only; AWS's SecurityAudit managed policy has them):
#   sts:GetCallerIdentity
#   iam:GetAccountSummary iam:ListVirtualMFADevices iam:GetAccountPasswordPolicy
#   iam:ListOrganizationsFeatures account:GetAlternateContact
#   organizations:ListAccounts organizations:ListPolicies organizations:DescribePolicy
#   organizations:ListTargetsForPolicy organizations:ListParents (management account)
#   cloudtrail:DescribeTrails cloudtrail:GetTrailStatus cloudtrail:GetEventSelectors
#   logs:DescribeMetricFilters cloudwatch:DescribeAlarms sns:ListSubscriptionsByTopic
#   events:ListRules events:ListTargetsByRule
set -u
OUT="${1:-posture}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
REGIONS="@REGIONS@"
ACCOUNTS="@ACCOUNTS@"
mkdir -p "$OUT" || exit 2

# Codes that answer the question rather than fail to.
ANSWERS="NoSuchEntity ResourceNotFoundException ServiceAccessNotEnabledException OrganizationNotInAllFeaturesModeException AWSOrganizationsNotInUseException"

# save ACCOUNT REGION TOKEN SUBJECT aws-arguments…: 0 when the output was saved, 3 when the
# answer was an error that was saved as one, 1 when nothing was saved.
save() {
    local account="$1" region="$2" token="$3" subject="$4"
    shift 4
    local file="$OUT/${account}__${region}__${STAMP}__${token}${subject:+__${subject//\//_}}.json"
    local err
    if aws "$@" --output json >"$file.partial" 2>"$file.err"; then
        mv "$file.partial" "$file"
        rm -f "$file.err"
        return 0
    fi
    err="$(tr -d '\n' <"$file.err")"
    rm -f "$file.partial" "$file.err"
    local code operation message
    code="$(printf '%s' "$err" | sed -n 's/.*An error occurred (\([A-Za-z]*\)) when calling the \([A-Za-z]*\) operation: \(.*\)/\1/p')"
    operation="$(printf '%s' "$err" | sed -n 's/.*An error occurred (\([A-Za-z]*\)) when calling the \([A-Za-z]*\) operation: \(.*\)/\2/p')"
    message="$(printf '%s' "$err" | sed -n 's/.*An error occurred (\([A-Za-z]*\)) when calling the \([A-Za-z]*\) operation: \(.*\)/\3/p' | sed 's/\\/\\\\/g; s/"/\\"/g')"
    if [ -n "$code" ] && [[ " $ANSWERS " == *" $code "* ]]; then
        printf '{"Operation": "%s", "Error": {"Code": "%s", "Message": "%s"}}\n' "$operation" "$code" "$message" >"$file"
        return 3
    fi
    echo "not saved: aws $* in $account: $err" >&2
    return 1
}

# list aws-arguments…: the text values of a --query, one per line (nothing on error).
list() {
    aws "$@" --output text 2>/dev/null | tr '\t' '\n' | grep -v '^None$' | grep -v '^$'
}

collect_account() {
    local account
    account="$(aws sts get-caller-identity --query Account --output text)" || {
        echo "cannot tell the account of these credentials (${AWS_PROFILE:-default profile})" >&2
        return 1
    }
    echo "collecting account $account" >&2
    save "$account" global iam-get-account-summary "" iam get-account-summary
    save "$account" global iam-list-virtual-mfa-devices "" iam list-virtual-mfa-devices
    save "$account" global iam-get-account-password-policy "" iam get-account-password-policy
    save "$account" global account-get-alternate-contact SECURITY account get-alternate-contact --alternate-contact-type SECURITY
    if save "$account" global organizations-list-accounts "" organizations list-accounts; then
        save "$account" global iam-list-organizations-features "" iam list-organizations-features
        save "$account" global organizations-list-policies "" organizations list-policies --filter SERVICE_CONTROL_POLICY
        for policy in $(list organizations list-policies --filter SERVICE_CONTROL_POLICY --query 'Policies[].Id'); do
            save "$account" global organizations-describe-policy "$policy" organizations describe-policy --policy-id "$policy"
            save "$account" global organizations-list-targets-for-policy "$policy" organizations list-targets-for-policy --policy-id "$policy"
        done
        # Each account's parents up to the root, so SCPs attached to OUs are followed.
        for child in $(list organizations list-accounts --query 'Accounts[].Id'); do
            while [ -n "$child" ] && [[ "$child" != r-* ]]; do
                save "$account" global organizations-list-parents "$child" organizations list-parents --child-id "$child" || break
                child="$(list organizations list-parents --child-id "$child" --query 'Parents[0].Id' | head -n 1)"
            done
        done
    fi
    for region in $REGIONS; do
        save "$account" "$region" cloudtrail-describe-trails "" cloudtrail describe-trails --region "$region"
        for trail in $(list cloudtrail describe-trails --region "$region" --query "trailList[?HomeRegion=='$region'].Name"); do
            save "$account" "$region" cloudtrail-get-trail-status "$trail" cloudtrail get-trail-status --region "$region" --name "$trail"
            save "$account" "$region" cloudtrail-get-event-selectors "$trail" cloudtrail get-event-selectors --region "$region" --trail-name "$trail"
        done
        save "$account" "$region" logs-describe-metric-filters "" logs describe-metric-filters --region "$region"
        save "$account" "$region" cloudwatch-describe-alarms "" cloudwatch describe-alarms --region "$region"
        for topic in $(list cloudwatch describe-alarms --region "$region" --query 'MetricAlarms[].AlarmActions[]' | grep ':sns:' | sort -u); do
            save "$account" "$region" sns-list-subscriptions-by-topic "$topic" sns list-subscriptions-by-topic --region "$region" --topic-arn "$topic"
        done
        save "$account" "$region" events-list-rules "" events list-rules --region "$region"
        for rule in $(list events list-rules --region "$region" --query 'Rules[].Name'); do
            save "$account" "$region" events-list-targets-by-rule "$rule" events list-targets-by-rule --region "$region" --rule "$rule"
        done
    done
}

if [ -z "$ACCOUNTS" ]; then
    collect_account
else
    # One AWS CLI profile per account, named after its id (e.g. a role_arn profile in
    # ~/.aws/config); ROOTLENS_PROFILE_<account> names another.
    for account in $ACCOUNTS; do
        profile_variable="ROOTLENS_PROFILE_$account"
        AWS_PROFILE="${!profile_variable:-$account}" collect_account
    done
fi
echo "saved into $OUT; next: rootlens ingest --db case.duckdb $OUT" >&2
