package accessrole

// The acceptance tests write trust policies as paved does, to fake drift,
// and look for the inline policy by its name.
var TrustPolicy = trustPolicy

const InlinePolicyName = inlinePolicyName
