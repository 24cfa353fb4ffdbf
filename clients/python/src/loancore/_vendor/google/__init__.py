"""google.* messages generated from vendored protos, kept under loancore._vendor so they never shadow googleapis-common-protos."""
