package main

import rego.v1

public_ingress_prod := {"repo": "github.com/acme/web", "name": "web", "dir": "web", "workspace": "prod", "team": "web"}

public_ingress_staging := object.union(public_ingress_prod, {"workspace": "staging"})

public_ingress_plan := {"resource_changes": [
	{
		"address": "aws_security_group.web",
		"mode": "managed",
		"type": "aws_security_group",
		"change": {
			"actions": ["create"],
			"after": {"ingress": [
				{"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": null},
				{"protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["10.0.0.0/8"], "ipv6_cidr_blocks": []},
			]},
		},
	},
	{
		"address": "aws_security_group_rule.all",
		"mode": "managed",
		"type": "aws_security_group_rule",
		"change": {
			"actions": ["update"],
			"after": {"type": "ingress", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": null, "ipv6_cidr_blocks": ["::/0"]},
		},
	},
	{
		"address": "aws_security_group_rule.egress",
		"mode": "managed",
		"type": "aws_security_group_rule",
		"change": {
			"actions": ["create"],
			"after": {"type": "egress", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]},
		},
	},
	{
		"address": "aws_vpc_security_group_ingress_rule.http",
		"mode": "managed",
		"type": "aws_vpc_security_group_ingress_rule",
		"change": {
			"actions": ["delete", "create"],
			"after": {"ip_protocol": "tcp", "from_port": 8000, "to_port": 8080, "cidr_ipv4": "0.0.0.0/0", "cidr_ipv6": null},
		},
	},
	{
		"address": "aws_security_group.old",
		"mode": "managed",
		"type": "aws_security_group",
		"change": {
			"actions": ["delete"],
			"after": null,
		},
	},
]}

public_ingress_want := {
	"aws_security_group.web opens ingress to 0.0.0.0/0 on port 443 in production",
	"aws_security_group_rule.all opens ingress to ::/0 on all ports in production",
	"aws_vpc_security_group_ingress_rule.http opens ingress to 0.0.0.0/0 on ports 8000-8080 in production",
}

test_public_ingress_denied_in_prod_workspace if {
	deny_public_ingress == public_ingress_want with input as public_ingress_plan
		with data.paved.project as public_ingress_prod
}

test_public_ingress_denied_without_paved_data if {
	deny_public_ingress == public_ingress_want with input as public_ingress_plan
}

test_public_ingress_allowed_outside_production if {
	count(deny_public_ingress) == 0 with input as public_ingress_plan
		with data.paved.project as public_ingress_staging
}

test_public_ingress_production_by_name_or_dir if {
	every project in [
		object.union(public_ingress_staging, {"name": "payments-prod"}),
		object.union(public_ingress_staging, {"name": "prod-eu"}),
		object.union(public_ingress_staging, {"dir": "envs/production/eu"}),
		object.union(public_ingress_staging, {"workspace": "PROD"}),
	] {
		public_ingress_in_production with data.paved.project as project
	}
}

test_public_ingress_not_production_by_substring if {
	every project in [
		object.union(public_ingress_staging, {"name": "product"}),
		object.union(public_ingress_staging, {"dir": "envs/prodigy"}),
	] {
		not public_ingress_in_production with data.paved.project as project
	}
}

test_public_ingress_private_cidrs_pass if {
	count(deny_public_ingress) == 0 with input as {"resource_changes": [{
		"address": "aws_security_group.db",
		"mode": "managed",
		"type": "aws_security_group",
		"change": {
			"actions": ["create"],
			"after": {"ingress": [{"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_blocks": ["10.0.0.0/16"], "ipv6_cidr_blocks": null}]},
		},
	}]}
}
