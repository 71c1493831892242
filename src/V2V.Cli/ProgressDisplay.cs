using Spectre.Console;
using V2V.Core.Conversion;

namespace V2V.Cli;

/// <summary>
/// The progress bar of a conversion (bytes, rate, ETA), drawn on stderr with Spectre.Console
/// only when stderr is a terminal and --no-progress was not given.
/// </summary>
public static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(bool enabled, Func<IProgress<ConversionProgress>?, Task<T>> work)
    {
        if (!enabled)
        {
            return await work(null).ConfigureAwait(false);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new DownloadedColumn(),
                new TransferSpeedColumn(),
                new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var sink = new Sink(report =>
                {
                    string name = report.Phase == ConversionPhase.Copying ? "copying" : $"verifying {Path.GetFileName(report.Target)}";
                    lock (tasks)
                    {
                        if (!tasks.TryGetValue(name, out var task))
                        {
                            task = context.AddTask(Markup.Escape(name), maxValue: Math.Max(1, report.Pipeline.DataBytesTotal ?? report.Pipeline.DiskLength));
                            tasks[name] = task;
                        }

                        task.Value = report.Pipeline.DataBytesTotal is null ? report.Pipeline.DiskBytesCovered : report.Pipeline.DataBytesDone;
                    }
                });
                return await work(sink).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    /// <summary>One progress line per job of a pipeline run; none when not on a terminal.</summary>
    public static async Task<T> RunJobsAsync<T>(bool enabled, IReadOnlyList<string> jobs, Func<IProgress<V2V.Jobs.Running.JobProgress>?, Task<T>> work)
    {
        if (!enabled)
        {
            return await work(null).ConfigureAwait(false);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = jobs.ToDictionary(j => j, j => context.AddTask(Markup.Escape(j), autoStart: false, maxValue: 1));
                var sink = new JobSink(report =>
                {
                    lock (tasks)
                    {
                        var task = tasks[report.Job];
                        var p = report.Conversion.Pipeline;
                        task.StartTask();
                        task.MaxValue = Math.Max(1, p.DataBytesTotal ?? p.DiskLength);
                        task.Value = p.DataBytesTotal is null ? p.DiskBytesCovered : p.DataBytesDone;
                    }
                });
                return await work(sink).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    private sealed class Sink(Action<ConversionProgress> report) : IProgress<ConversionProgress>
    {
        public void Report(ConversionProgress value) => report(value);
    }

    private sealed class JobSink(Action<V2V.Jobs.Running.JobProgress> report) : IProgress<V2V.Jobs.Running.JobProgress>
    {
        public void Report(V2V.Jobs.Running.JobProgress value) => report(value);
    }
}
