using System.Text.Json;
using Kata.Hypervisor.Vmm;
using Serilog;

namespace Kata.Hypervisor.Api;

/// <summary>
/// Turns one request line into one response: parses and checks the request, runs the command on the VM, and maps
/// every failure (bad JSON, unknown command, a VM that refuses the transition) to an <c>"ok":false</c> response.
/// Nothing a client sends makes it throw.
/// </summary>
internal sealed class ControlApiDispatcher
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };
    private static readonly ControlApiJsonContext Json = ControlApiJsonContext.Default;

    private readonly IVmControl _vm;
    private readonly ILogger _log;

    public ControlApiDispatcher(IVmControl vm, ILogger log)
    {
        _vm = vm;
        _log = log;
    }

    public async Task<ControlApiResponse> HandleAsync(byte[] line, CancellationToken cancellationToken)
    {
        ControlApiRequest request;
        JsonElement? id;
        try
        {
            using JsonDocument document = JsonDocument.Parse(line, DocumentOptions);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ControlApiResponse.Failure(null, $"request must be a JSON object, not {Describe(root.ValueKind)}");
            }
            id = root.TryGetProperty("id", out JsonElement idElement) ? idElement.Clone() : null;
            if (id is { ValueKind: not (JsonValueKind.Number or JsonValueKind.String or JsonValueKind.Null) })
            {
                return ControlApiResponse.Failure(null, "\"id\" must be a number or a string");
            }
            try
            {
                request = root.Deserialize(Json.ControlApiRequest)!;
            }
            catch (JsonException ex)
            {
                // Well-formed JSON with a wrong type ("command": 17): the id is known, so answer with it.
                return ControlApiResponse.Failure(id, $"invalid request: {ex.Message}");
            }
        }
        catch (JsonException ex)
        {
            return ControlApiResponse.Failure(null, $"malformed JSON request: {ex.Message}");
        }
        catch (ArgumentException ex)
        {
            // JsonDocument reports some invalid input (for example invalid UTF-8) this way.
            return ControlApiResponse.Failure(null, $"malformed JSON request: {ex.Message}");
        }

        if (string.IsNullOrEmpty(request.Command))
        {
            return ControlApiResponse.Failure(id, $"missing \"command\" (expected one of: {string.Join(", ", ControlApiProtocol.Commands)})");
        }
        try
        {
            return await RunAsync(id, request, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            // The VM refused the transition (for example pause after it has ended).
            return ControlApiResponse.Failure(id, $"{request.Command}: {ex.Message}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            _log.Warning(ex, "Control API command {Command} failed", request.Command);
            return ControlApiResponse.Failure(id, $"{request.Command}: internal error: {ex.Message}");
        }
    }

    private async Task<ControlApiResponse> RunAsync(JsonElement? id, ControlApiRequest request, CancellationToken cancellationToken)
    {
        string command = request.Command!;
        switch (command)
        {
            case ControlApiProtocol.Ping:
                return Ok(id, new PingResult(true, _vm.State), Json.PingResult);
            case ControlApiProtocol.State:
                return Ok(id, new StateResult(_vm.State), Json.StateResult);
            case ControlApiProtocol.Pause:
                _log.Information("Control API: pause");
                _vm.Pause();
                return Ok(id, new StateResult(_vm.State), Json.StateResult);
            case ControlApiProtocol.Resume:
                _log.Information("Control API: resume");
                _vm.Resume();
                return Ok(id, new StateResult(_vm.State), Json.StateResult);
            case ControlApiProtocol.Metrics:
                return Ok(id, _vm.GetMetrics(), Json.VmMetrics);
            case ControlApiProtocol.Shutdown:
                int graceMs = request.GraceMs ?? ControlApiProtocol.DefaultShutdownGraceMs;
                if (graceMs < 0 || graceMs > ControlApiProtocol.MaxShutdownGraceMs)
                {
                    return ControlApiResponse.Failure(id, $"shutdown: graceMs {graceMs} is out of range (0..{ControlApiProtocol.MaxShutdownGraceMs})");
                }
                _log.Information("Control API: shutdown (grace {GraceMs} ms)", graceMs);
                // The response goes out only once the VM has ended, so a client that got it may clean up.
                VmExitStatus status = await _vm.ShutdownAsync(TimeSpan.FromMilliseconds(graceMs)).WaitAsync(cancellationToken).ConfigureAwait(false);
                return Ok(id, ShutdownResult.From(status), Json.ShutdownResult);
            default:
                return ControlApiResponse.Failure(id,
                    $"unknown command \"{Truncate(command)}\" (expected one of: {string.Join(", ", ControlApiProtocol.Commands)})");
        }
    }

    private static ControlApiResponse Ok<T>(JsonElement? id, T result, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) =>
        ControlApiResponse.Success(id, JsonSerializer.SerializeToElement(result, typeInfo));

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
