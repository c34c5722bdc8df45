using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Cnn.Samples;

/// <summary>
/// Keras-style training output for <see cref="Trainer.Fit{TModel}"/>: a live progress bar per epoch (batches done,
/// running loss and accuracy, time left) when the console is interactive, and after every epoch the line Keras
/// prints, <c>45/45 [==============================] - 1s 12ms/step - loss: ... - val_accuracy: ...</c>.
/// When the output is redirected (CI, a log file) there is no bar: just the epoch lines.
/// </summary>
/// <example>
/// <code>
/// var progress = new KerasProgress(epochs);
/// History history = progress.Run(() => Trainer.Fit(model, train, new TrainingOptions
/// {
///     Epochs = epochs,
///     OnBatchEnd = progress.OnBatchEnd,
///     OnEpochEnd = progress.OnEpochEnd,
/// }));
/// </code>
/// </example>
public sealed class KerasProgress
{
    private readonly int _epochs;
    private readonly IAnsiConsole _console;
    private readonly object _gate = new();
    private ProgressContext? _context;
    private ProgressTask? _task;
    private int _taskEpoch;
    private int _steps;
    private long _lastBatchEnd;

    /// <summary>Reports a training run of <paramref name="epochs"/> epochs to <paramref name="console"/> (default: the terminal).</summary>
    public KerasProgress(int epochs, IAnsiConsole? console = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        _epochs = epochs;
        _console = console ?? AnsiConsole.Console;
    }

    /// <summary>
    /// Wall time of the last finished epoch's batches alone, without its validation pass (which
    /// <see cref="EpochResult.Duration"/> includes): the figure for a throughput in samples per second.
    /// </summary>
    public TimeSpan LastEpochTrainingTime { get; private set; }

    /// <summary>Whether a live progress bar is drawn (the console is interactive and understands ANSI codes).</summary>
    public bool Live => _console.Profile.Capabilities.Interactive && _console.Profile.Capabilities.Ansi;

    /// <summary>Runs <paramref name="fit"/> (a call to <see cref="Trainer.Fit{TModel}"/> with this object's callbacks) under the progress display.</summary>
    public T Run<T>(Func<T> fit)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (!Live)
            return fit();
        return _console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new StepsColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                lock (_gate) _context = context;
                try
                {
                    return fit();
                }
                finally
                {
                    lock (_gate)
                    {
                        _context = null;
                        _task = null;
                    }
                }
            });
    }

    /// <summary>The <see cref="TrainingOptions.OnBatchEnd"/> callback: moves the bar.</summary>
    public void OnBatchEnd(BatchProgress progress)
    {
        lock (_gate)
        {
            _steps = progress.Batches;
            _lastBatchEnd = System.Diagnostics.Stopwatch.GetTimestamp();
            if (_context is null)
                return;
            if (_task is null || _taskEpoch != progress.Epoch)
            {
                _task?.StopTask();
                _task = _context.AddTask(EpochHeader(progress.Epoch), maxValue: progress.Batches);
                _taskEpoch = progress.Epoch;
            }
            _task.Value = progress.Batch;
            _task.Description = Markup.Escape(FormattableString.Invariant(
                $"{EpochHeader(progress.Epoch)} - loss: {progress.Loss:F4} - accuracy: {progress.Accuracy:F4}"));
        }
    }

    /// <summary>The <see cref="TrainingOptions.OnEpochEnd"/> callback: prints <c>Epoch n/N</c> and Keras's line.</summary>
    public void OnEpochEnd(EpochResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        lock (_gate)
        {
            // The epoch's clock ran from its start to now; what ran since the last batch is the validation pass.
            TimeSpan validation = _lastBatchEnd == 0 ? TimeSpan.Zero : System.Diagnostics.Stopwatch.GetElapsedTime(_lastBatchEnd);
            LastEpochTrainingTime = validation < result.Duration ? result.Duration - validation : TimeSpan.Zero;
            if (_task is not null)
            {
                _task.Value = _task.MaxValue;
                _task.StopTask();
                _task = null;
            }
            // Without OnBatchEnd wired the number of steps is unknown: the library's own line says the rest.
            WriteLineLocked(EpochHeader(result.Epoch) + Environment.NewLine + (_steps > 0 ? FormatEpoch(result, _steps) : result.ToString()));
        }
    }

    /// <summary>Prints a line of the caller's between the epoch lines (safe while the live bar is drawn).</summary>
    public void WriteLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        lock (_gate) WriteLineLocked(line);
    }

    private void WriteLineLocked(string text)
    {
        if (_context is not null)
            _console.Write(new Text(text + Environment.NewLine)); // through the console, so the live bar stays below
        else
            _console.Profile.Out.Writer.Write(text + Environment.NewLine); // as is: no wrapping at the 80 columns a redirected console assumes
        _console.Profile.Out.Writer.Flush();
    }

    private string EpochHeader(int epoch) => string.Create(CultureInfo.InvariantCulture, $"Epoch {epoch}/{_epochs}");

    /// <summary>
    /// Keras's end-of-epoch line: <c>45/45 [==============================] - 1s 12ms/step - loss: 0.4321 -
    /// accuracy: 0.8765 - val_loss: 0.3210 - val_accuracy: 0.9000</c> (the validation figures only when there are some).
    /// </summary>
    /// <param name="result">The epoch.</param>
    /// <param name="steps">Batches in the epoch.</param>
    public static string FormatEpoch(EpochResult result, int steps)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        double seconds = result.Duration.TotalSeconds;
        string line = FormattableString.Invariant(
            $"{steps}/{steps} [==============================] - {Math.Round(seconds, MidpointRounding.AwayFromZero):F0}s {Math.Round(1000 * seconds / steps, MidpointRounding.AwayFromZero):F0}ms/step - loss: {result.Loss:F4} - accuracy: {result.Accuracy:F4}");
        if (result.ValidationLoss is { } validationLoss)
            line += FormattableString.Invariant($" - val_loss: {validationLoss:F4} - val_accuracy: {result.ValidationAccuracy ?? double.NaN:F4}");
        return line;
    }

    /// <summary>"12/45": batches done of the epoch's batches, as Keras shows them.</summary>
    private sealed class StepsColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Value:F0}/{task.MaxValue:F0}"));
    }
}
