using System.CommandLine;
using V2V.Adapters.HyperV.VmDefinition;

namespace V2V.Cli.Commands;

/// <summary><c>v2v hyperv apply VM.ps1</c>: creates the VM from a definition script with PowerShell, here or on a host.</summary>
public static class HyperVCommand
{
    public static Command Build(CliContext context)
    {
        var script = new Argument<string>("SCRIPT") { Description = "The <vm>.ps1 V2V wrote beside the converted disks" };
        var host = new Option<string?>("--host") { Description = "Run it on this Hyper-V host through PowerShell remoting (Invoke-Command)" };
        var apply = new Command("apply", "Create the Hyper-V VM by running its definition script") { script, host };
        apply.SetAction(async (parse, _) =>
        {
            var result = await PowerShellRunner.ApplyAsync(parse.GetValue(script)!, parse.GetValue(host), context.Cancellation).ConfigureAwait(false);
            if (!result.Ran)
            {
                await context.Error.WriteLineAsync($"error: {result.Summary}").ConfigureAwait(false);
                return 3;
            }

            await context.Out.WriteAsync(result.Output).ConfigureAwait(false);
            await context.Error.WriteAsync(result.Error).ConfigureAwait(false);
            await context.Out.WriteLineAsync(result.Summary).ConfigureAwait(false);
            return result.ExitCode == 0 ? 0 : 3;
        });

        return new Command("hyperv", "Hyper-V VM definitions") { apply };
    }
}
