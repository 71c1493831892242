using System.CommandLine;
using V2V.Cli.Commands;
using V2V.Core.Errors;

namespace V2V.Cli;

/// <summary>
/// Parses the command line, runs the verb, and turns every failure into one "error:" line and an
/// exit code: 2 for bad usage or bad input, 3 for I/O or internal failures, 130 when cancelled.
/// </summary>
public static class CliApp
{
    public const int Success = 0;
    public const int Usage = 2;
    public const int Failure = 3;
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(string[] args, CliContext context)
    {
        var root = new RootCommand("V2V: convert physical, VMware and XenServer disks to Hyper-V, verified")
        {
            ConvertCommand.Build(context),
            FixCommand.Build(context),
            InfoCommand.Build(context),
            CheckCommand.Build(context),
            CompareCommand.Build(context),
            RunCommand.Build(context),
            HyperVCommand.Build(context),
            GuestCommand.Build(context),
            InspectCommand.Build(context),
            VersionCommand.Build(context),
        };

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            await context.Error.WriteLineAsync($"error: {parse.Errors[0].Message} (see v2v --help)").ConfigureAwait(false);
            return Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false }, context.Cancellation).ConfigureAwait(false);
        }
        catch (V2VException e)
        {
            await context.Error.WriteLineAsync($"error: {CliMessages.Line(e)}").ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync("error: cancelled; partial outputs were removed").ConfigureAwait(false);
            return Cancelled;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return Failure;
        }
#pragma warning disable CA1031 // the CLI's last line of defence: one line, never a stack trace
        catch (Exception e)
#pragma warning restore CA1031
        {
            await context.Error.WriteLineAsync($"error: internal error: {e.GetType().Name}: {e.Message}").ConfigureAwait(false);
            return Failure;
        }
    }
}
