namespace Kata.Ttrpc;

/// <summary>
/// Call status codes. ttrpc reuses gRPC's codes (google.golang.org/grpc/codes) unchanged, and containerd maps them
/// back to its errdefs (NotFound, AlreadyExists, FailedPrecondition, …), so the numbers are part of the wire format.
/// </summary>
public enum StatusCode
{
    OK = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}
