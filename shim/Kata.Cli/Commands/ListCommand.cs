using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Kata.Cli.Hosting;
using Kata.Cli.State;
using Kata.Oci.State;

namespace Kata.Cli.Commands;

/// <summary>`list [--format table|json] [-q]`: the containers under --root (columns and JSON fields as runc list).</summary>
public static class ListCommand
{
    public static Command Build(GlobalOptions options)
    {
        Option<string> format = new("--format", "-f") { Description = "Output format [default: table]", HelpName = "table|json" };
        format.AcceptOnlyFromAmong("table", "json");
        Option<bool> quiet = new("--quiet", "-q") { Description = "Print only the container ids" };
        var command = new Command("list", "List the containers") { format, quiet };
        command.Aliases.Add("ls");
        CommandAction.Set(command, options, (context, parse) =>
        {
            var rows = new List<(ContainerRecord Record, ContainerState State)>();
            foreach (string id in context.Store.Ids())
            {
                ContainerPaths paths = context.Store.Paths(id);
                if (context.Store.TryReadRecord(paths) is { } record)
                {
                    rows.Add((record, context.Store.State(paths, record)));
                }
            }
            if (parse.GetValue(quiet))
            {
                rows.ForEach(row => context.Out.WriteLine(row.Record.Id));
            }
            else if (parse.GetValue(format) == "json")
            {
                context.Out.WriteLine(Json(rows));
            }
            else
            {
                context.Out.Write(Table(rows));
            }
            return Task.FromResult(0);
        });
        return command;
    }

    private static string Status(ContainerState state) => ContainerStatusConverter.Instance.ToSpecName(state.Status);

    private static string Table(List<(ContainerRecord Record, ContainerState State)> rows)
    {
        string[] header = ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"];
        List<string[]> cells = [header, .. rows.Select(row => new[]
        {
            row.Record.Id, row.State.Pid.ToString(CultureInfo.InvariantCulture), Status(row.State), row.Record.Bundle,
            row.Record.Created.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture), row.Record.Owner,
        })];
        int[] widths = Enumerable.Range(0, header.Length).Select(i => cells.Max(line => line[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (string[] line in cells)
        {
            for (int i = 0; i < line.Length; i++)
            {
                text.Append(i == line.Length - 1 ? line[i] : line[i].PadRight(widths[i] + 3));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string Json(List<(ContainerRecord Record, ContainerState State)> rows)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach ((ContainerRecord record, ContainerState state) in rows)
            {
                json.WriteStartObject();
                json.WriteString("ociVersion", state.OciVersion);
                json.WriteString("id", record.Id);
                json.WriteNumber("pid", state.Pid);
                json.WriteString("status", Status(state));
                json.WriteString("bundle", record.Bundle);
                json.WriteString("created", record.Created.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
                json.WriteString("owner", record.Owner);
                json.WriteString("sandbox", record.Sandbox.ToString().ToLowerInvariant());
                if (record.Annotations is { Count: > 0 } annotations)
                {
                    json.WriteStartObject("annotations");
                    foreach ((string key, string value) in annotations)
                    {
                        json.WriteString(key, value);
                    }
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
