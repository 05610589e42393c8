# Denies creating or updating a resource that takes tags without a
# non-empty "team" tag, in the tags the plan gives it (change.after.tags)
# or in all of its tags (change.after.tags_all, which adds the provider's
# default_tags).
#
# A resource whose planned values have no tags attribute at all, such as
# terraform_data or aws_iam_role_policy_attachment, cannot be tagged and
# is skipped. A team tag whose value is known only at apply (after_unknown)
# counts as set.
#
# The rule is deny_missing_team_tag, so that an exception can name it:
#
#	exception contains ["missing_team_tag"] if { ... }
package main

import rego.v1

deny_missing_team_tag contains sprintf("%s has no team tag", [rc.address]) if {
	some rc in input.resource_changes
	rc.mode == "managed"
	some action in rc.change.actions
	action in {"create", "update"}
	after := rc.change.after
	unknown := object.get(rc.change, "after_unknown", {})
	team_tag_taggable(after, unknown)
	not team_tag_set(after, unknown)
}

team_tag_attrs := ["tags", "tags_all"]

# Known or not, the attribute is in after or in after_unknown; null when
# the resource takes tags but none are set.
team_tag_taggable(after, unknown) if {
	some attr in team_tag_attrs
	some doc in [after, unknown]
	_ = doc[attr]
}

team_tag_set(after, _) if {
	some attr in team_tag_attrs
	team := after[attr].team
	is_string(team)
	trim_space(team) != ""
}

team_tag_set(_, unknown) if {
	some attr in team_tag_attrs
	unknown[attr].team == true
}
