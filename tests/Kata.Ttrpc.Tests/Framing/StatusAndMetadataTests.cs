using Kata.Ttrpc.Protocol;

namespace Kata.Ttrpc.Tests.Framing;

public sealed class StatusAndMetadataTests
{
    [Theory]
    [InlineData(StatusCode.OK, 0)]
    [InlineData(StatusCode.DeadlineExceeded, 4)]
    [InlineData(StatusCode.ResourceExhausted, 8)]
    [InlineData(StatusCode.Unimplemented, 12)]
    [InlineData(StatusCode.Unavailable, 14)]
    [InlineData(StatusCode.Unauthenticated, 16)]
    public void Status_codes_are_the_gRPC_numbers(StatusCode code, int number) => Assert.Equal(number, (int)code);

    [Fact]
    public void Exceptions_map_to_codes_at_the_service_boundary()
    {
        Assert.Equal((int)StatusCode.NotFound, StatusMapping.FromException(new FileNotFoundException("gone")).Code);
        Assert.Equal((int)StatusCode.PermissionDenied, StatusMapping.FromException(new UnauthorizedAccessException("no")).Code);
        Assert.Equal((int)StatusCode.Unimplemented, StatusMapping.FromException(new NotSupportedException("checkpoint")).Code);
        Assert.Equal((int)StatusCode.InvalidArgument, StatusMapping.FromException(new ArgumentException("bad id")).Code);
        var unknown = StatusMapping.FromException(new InvalidOperationException("boom"));
        Assert.Equal(((int)StatusCode.Unknown, "boom"), (unknown.Code, unknown.Message));
        var explicitCode = StatusMapping.FromException(new TtrpcException(StatusCode.FailedPrecondition, "not running"));
        Assert.Equal(((int)StatusCode.FailedPrecondition, "not running"), (explicitCode.Code, explicitCode.Message));
    }

    [Fact]
    public void A_status_round_trips_through_TtrpcException()
    {
        var status = new Status { Code = (int)StatusCode.AlreadyExists, Message = "exists" };
        status.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(new Google.Protobuf.WellKnownTypes.StringValue { Value = "detail" }));

        var error = TtrpcException.FromStatus(status);

        Assert.Equal((StatusCode.AlreadyExists, "exists", "ttrpc: AlreadyExists: exists"), (error.StatusCode, error.Detail, error.Message));
        Assert.Single(error.Details);
        Assert.Equal(status, error.ToStatus());
    }

    [Fact]
    public void An_unknown_code_from_a_peer_becomes_UNKNOWN_and_OK_is_not_an_error()
    {
        Assert.Equal(StatusCode.Unknown, TtrpcException.FromStatus(new Status { Code = 99, Message = "future" }).StatusCode);
        Assert.Throws<ArgumentException>(() => new TtrpcException(StatusCode.OK, "fine"));
    }

    [Fact]
    public void Metadata_keys_are_case_insensitive_and_keep_every_value()
    {
        var metadata = new TtrpcMetadata().Add("Containerd-Namespace-TTRPC", "default").Add("k", "1").Add("K", "2");

        Assert.Equal("default", metadata.Get(TtrpcMetadata.ContainerdNamespaceKey));
        Assert.Equal(["1", "2"], metadata.GetAll("k"));
        Assert.Null(metadata.Get("missing"));
        Assert.Equal(["2"], metadata.Set("k", "2").GetAll("k"));

        var request = new Request();
        metadata.CopyTo(request);
        Assert.Equal(["containerd-namespace-ttrpc=default", "k=2"], request.Metadata.Select(kv => $"{kv.Key}={kv.Value}").Order());
    }

    [Fact]
    public void Shared_empty_metadata_cannot_be_changed()
    {
        var error = Assert.Throws<InvalidOperationException>(() => TtrpcMetadata.Empty.Add("k", "v"));
        Assert.Contains("create a new TtrpcMetadata", error.Message);
    }
}
