"""LoancoreError's decoding, and where google.rpc's modules come from.

The live tests (test_loans.py) decode what loand really sends; these
cover what loand does not send today, and the choice between
googleapis-common-protos' google.rpc and loancore's vendored copy.
"""

import os
import shutil
import subprocess
import sys
import textwrap

import grpc
import pytest

import loancore
from loancore import errors

def status_with(*details):
    """A google.rpc.Status carrying details."""
    status = errors.status_pb2.Status(code=3, message="invalid")
    for d in details:
        status.details.add().Pack(d)
    return status


def test_a_field_named_twice_keeps_both_descriptions():
    bad = errors.error_details_pb2.BadRequest()
    bad.field_violations.add(field="amount", description="required")
    bad.field_violations.add(field="amount", description="at most 40 bytes")
    bad.field_violations.add(field="loan_id", description="required")
    err = loancore.LoancoreError(grpc.StatusCode.INVALID_ARGUMENT, "invalid", status=status_with(bad))
    assert err.field_violations == {"amount": "required; at most 40 bytes", "loan_id": "required"}
    assert str(err) == "INVALID_ARGUMENT (amount, loan_id): invalid"


def test_no_details():
    err = loancore.LoancoreError(grpc.StatusCode.NOT_FOUND, "loan PY-1 not found")
    assert (err.field_violations, err.preconditions, err.reason, err.status) == ({}, (), None, None)
    assert str(err) == "NOT_FOUND: loan PY-1 not found"
    assert err.details() == err.message and err.code() == grpc.StatusCode.NOT_FOUND


# A stand-in for googleapis-common-protos: google.rpc built from protos
# that differ from the vendored ones (a newer ErrorInfo, as upstream has).
STAND_IN = {
    "google/rpc/status.proto": """
        syntax = "proto3";
        package google.rpc;
        import "google/protobuf/any.proto";
        message Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
    """,
    "google/rpc/error_details.proto": """
        syntax = "proto3";
        package google.rpc;
        message ErrorInfo { string reason = 1; string domain = 2; map<string, string> metadata = 3; }
        message PreconditionFailure {
          message Violation { string type = 1; string subject = 2; string description = 3; }
          repeated Violation violations = 1;
        }
        message BadRequest {
          message FieldViolation { string field = 1; string description = 2; string reason = 3; }
          repeated FieldViolation field_violations = 1;
        }
    """,
}


@pytest.fixture(scope="module")
def googleapis(tmp_path_factory):
    """A directory whose google.rpc package stands in for googleapis-common-protos'."""
    protoc = shutil.which("protoc")
    assert protoc, "protoc is not installed (apt-get install -y protobuf-compiler)"
    root = tmp_path_factory.mktemp("googleapis")
    for name, text in STAND_IN.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    subprocess.run([protoc, f"-I{root}", f"--python_out={root}", *STAND_IN], check=True, cwd=root)
    return root


def python(code, pythonpath=None):
    """Run code in a fresh interpreter (a fresh descriptor pool), with pythonpath first on sys.path."""
    env = {"PYTHONPATH": str(pythonpath)} if pythonpath else {}
    base = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env={**base, **env})


def test_differing_copies_of_google_rpc_cannot_coexist(googleapis):
    """Why errors.py prefers an installed googleapis-common-protos: both copies at once fail."""
    done = python("""
        import google.rpc.error_details_pb2
        import loancore._vendor.google.rpc.error_details_pb2
    """, googleapis)
    assert done.returncode != 0 and "google/rpc/error_details.proto" in done.stderr, done.stderr


def test_installed_googleapis_common_protos_is_used(googleapis):
    done = python("""
        import grpc
        from google.rpc import error_details_pb2, status_pb2
        import loancore
        from loancore import errors
        assert errors.error_details_pb2 is error_details_pb2, errors.error_details_pb2
        status = status_pb2.Status(code=9, message="stale")
        status.details.add().Pack(error_details_pb2.ErrorInfo(reason="QUOTE_STALE", domain="loancore"))
        failure = error_details_pb2.PreconditionFailure()
        failure.violations.add(type="OTHER", subject="loan", description="stale")
        status.details.add().Pack(failure)
        err = loancore.LoancoreError(grpc.StatusCode.FAILED_PRECONDITION, "stale", status=status)
        print(err.reason, [p.type for p in err.preconditions])
    """, googleapis)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["QUOTE_STALE", "['OTHER']"], "ErrorInfo's reason wins over PreconditionFailure's"


def test_loancore_first_then_googleapis_common_protos(googleapis):
    done = python("""
        import loancore
        import google.rpc.status_pb2, google.rpc.error_details_pb2
        print(loancore.errors.status_pb2.__name__)
    """, googleapis)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "google.rpc.status_pb2"


def test_vendored_copy_without_googleapis_common_protos():
    done = python("""
        import importlib.util
        from loancore import errors
        print(importlib.util.find_spec("google.rpc") is None, errors.status_pb2.__name__)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "loancore._vendor.google.rpc.status_pb2"]
