using System.CommandLine;
using System.Globalization;
using Mesh.Cli.Output;
using Mesh.Inference.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Mesh.Cli.Commands;

/// <summary>
/// <c>mesh devices</c>: the devices inference places models on: memory (reserved, measured weights,
/// workspace and key-value pool), device time and busy share, and each replica's key-value blocks and
/// prefix-cache hit rate.
/// </summary>
public static class DevicesCommand
{
    public static Command Create(CommandRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var command = new Command("devices", "List the devices inference runs models on, with measured memory, key-value pools and prefix-cache hits");
        runner.SetAction(command, async (context, cancellationToken) =>
        {
            var response = await context.Clients.Inference.ListDevicesAsync(new ListDevicesRequest(), context.Clients.Options(cancellationToken));
            if (context.Output.Json)
            {
                context.Output.WriteJson(response);
                return ExitCodes.Success;
            }

            var devices = new Table().Border(TableBorder.Rounded);
            devices.AddColumns("Device", "Kind");
            foreach (var title in new[] { "Reserved / total", "Weights", "Workspace", "KV budget (allocated)", "Device time", "Busy" })
            {
                devices.AddColumn(new TableColumn(title).RightAligned());
            }

            devices.AddColumn("Tenants");
            foreach (var device in response.Devices)
            {
                devices.AddRow(new IRenderable[]
                {
                    new Text(device.Name, new Style(decoration: Decoration.Bold)),
                    new Text(device.Simulated ? $"{device.Kind} x{device.Speed.ToString("0.##", CultureInfo.InvariantCulture)}" : device.Usable ? device.Kind : $"{device.Kind} (unusable)"),
                    new Text($"{MiB(device.MemoryReservedBytes)} / {MiB(device.MemoryTotalBytes)}"),
                    new Text(MiB(device.MemoryWeightsBytes)),
                    new Text(MiB(device.MemoryWorkspaceBytes)),
                    new Text($"{MiB(device.MemoryKvBudgetBytes)} ({MiB(device.MemoryKvAllocatedBytes)})"),
                    new Text(Formatting.Duration(device.ComputeMs)),
                    new Text(Percent(device.Busy)),
                    new Text(string.Join(", ", device.TenantShares.Select(s => $"{s.Tenant} {Percent(s.Fraction)}"))),
                });
            }

            context.Output.Console.Write(devices);
            var replicas = new Table().Border(TableBorder.Rounded);
            replicas.AddColumns("Model", "Device", "State");
            foreach (var title in new[] { "Queued", "Running", "KV blocks used / cached / total", "Prefix hits", "Hit tokens", "Evictions", "Preemptions" })
            {
                replicas.AddColumn(new TableColumn(title).RightAligned());
            }

            foreach (var replica in response.Devices.SelectMany(d => d.Replicas))
            {
                var lookups = replica.PrefixCacheHits + replica.PrefixCacheMisses;
                replicas.AddRow(
                    Markup.Escape(replica.Model), Markup.Escape(replica.Device), replica.State, Formatting.Count(replica.Queued), Formatting.Count(replica.Running),
                    replica.KvBlocksTotal > 0 ? $"{Formatting.Count(replica.KvBlocksUsed)} / {Formatting.Count(replica.KvBlocksCached)} / {Formatting.Count(replica.KvBlocksTotal)}" : "-",
                    lookups > 0 ? $"{Formatting.Count(replica.PrefixCacheHits)}/{Formatting.Count(lookups)} ({Percent((double)replica.PrefixCacheHits / lookups)})" : "-",
                    Formatting.Count(replica.PrefixCacheHitTokens), Formatting.Count(replica.PrefixCacheEvictions), Formatting.Count(replica.KvPreemptions));
            }

            context.Output.Console.Write(replicas);
            context.Output.Console.WriteLine(
                $"Fragmentation: {Percent(response.Fragmentation)} of free memory fits no model that could be asked for; {response.ReplicaMoves} replicas moved to make room");
            return ExitCodes.Success;
        });
        return command;
    }

    private static string MiB(long bytes) => $"{(bytes / 1048576.0).ToString("N0", CultureInfo.InvariantCulture)} MiB";

    private static string Percent(double fraction) => fraction.ToString("0.0%", CultureInfo.InvariantCulture);
}
