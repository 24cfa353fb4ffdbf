"""Code loancore ships but does not own: generated from the vendored protos under proto/ (see proto/google/rpc/README.md)."""
