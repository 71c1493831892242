using System.Runtime.InteropServices;
using V2V.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // let the pipeline stop and delete its partial outputs
    cancellation.Cancel();
};
// SIGTERM (kill, systemd) and SIGHUP (the SSH session or terminal went away) stop a run the way
// Ctrl-C does, so its partial outputs are deleted instead of left behind as by the default action.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Stop);

var context = new CliContext(FormatCatalog.Create(), Console.Out, Console.Error, ProgressAllowed: !Console.IsErrorRedirected, cancellation.Token);
return await CliApp.RunAsync(args, context);

void Stop(PosixSignalContext signal)
{
    signal.Cancel = true;
    cancellation.Cancel();
}
