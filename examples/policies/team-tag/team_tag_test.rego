package main

import rego.v1

team_tag_change(address, actions, after, after_unknown) := {
	"address": address,
	"mode": "managed",
	"type": split(address, ".")[0],
	"change": {"actions": actions, "after": after, "after_unknown": after_unknown},
}

test_team_tag_missing_or_empty_denied if {
	deny_missing_team_tag == {
		"aws_s3_bucket.logs has no team tag",
		"aws_instance.web has no team tag",
		"aws_sqs_queue.jobs has no team tag",
	} with input as {"resource_changes": [
		team_tag_change("aws_s3_bucket.logs", ["create"], {"tags": null, "tags_all": {}}, {}),
		team_tag_change("aws_instance.web", ["update"], {"tags": {"team": "  "}, "tags_all": {"team": "  "}}, {}),
		team_tag_change("aws_sqs_queue.jobs", ["delete", "create"], {"tags": {"owner": "alice"}}, {"tags_all": true}),
	]}
}

test_team_tag_set_passes if {
	count(deny_missing_team_tag) == 0 with input as {"resource_changes": [
		team_tag_change("aws_s3_bucket.a", ["create"], {"tags": {"team": "payments"}}, {}),
		# From the provider's default_tags.
		team_tag_change("aws_s3_bucket.b", ["create"], {"tags": null, "tags_all": {"team": "payments"}}, {}),
		# Known only at apply.
		team_tag_change("aws_s3_bucket.c", ["create"], {"tags": {}}, {"tags": {"team": true}}),
	]}
}

test_team_tag_skips_untaggable_and_unchanged if {
	count(deny_missing_team_tag) == 0 with input as {"resource_changes": [
		team_tag_change("terraform_data.x", ["create"], {"input": "x"}, {"id": true}),
		team_tag_change("aws_s3_bucket.gone", ["delete"], null, false),
		team_tag_change("aws_s3_bucket.same", ["no-op"], {"tags": null}, {}),
		object.union(team_tag_change("data.aws_s3_bucket.read", ["read"], {"tags": null}, {}), {"mode": "data"}),
	]}
}
