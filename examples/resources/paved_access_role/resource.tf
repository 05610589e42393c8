# The SRE on-call login role in production. Only the two named principals of
# the hub account may assume it, and only with MFA and a source identity (the
# defaults). Sessions last at most four hours.
resource "paved_access_role" "sre" {
  environment = "prod"
  name        = "sre-admin"
  description = "SRE on-call access to production"

  trusted_principals = [
    "arn:aws:iam::111111111111:role/sre-oncall",
    "arn:aws:iam::111111111111:role/sre-incident-commander",
  ]

  managed_policy_arns = [
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
  ]

  # Beyond read-only: open shell sessions on instances through Session
  # Manager, and restart services during an incident.
  inline_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ShellSessions"
        Effect   = "Allow"
        Action   = ["ssm:StartSession", "ssm:TerminateSession", "ssm:ResumeSession"]
        Resource = "*"
      },
      {
        Sid      = "RestartServices"
        Effect   = "Allow"
        Action   = ["ecs:UpdateService", "ecs:StopTask"]
        Resource = "*"
      },
    ]
  })

  max_session_duration = "4h"

  tags = {
    owner = "sre"
  }
}
