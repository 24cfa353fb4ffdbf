"""google.rpc's Status and error details (loancore.errors picks these or googleapis-common-protos' own)."""
