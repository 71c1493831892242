using System.Runtime.InteropServices;
using V2V.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // let the pipeline stop and delete its partial outputs
    cancellation.Cancel();
};
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
{
    signal.Cancel = true;
    cancellation.Cancel();
});

var context = new CliContext(FormatCatalog.Create(), Console.Out, Console.Error, ProgressAllowed: !Console.IsErrorRedirected, cancellation.Token);
return await CliApp.RunAsync(args, context);
