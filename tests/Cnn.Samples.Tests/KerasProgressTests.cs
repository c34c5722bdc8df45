using System.Text.RegularExpressions;
using Spectre.Console;

namespace Cnn.Samples.Tests;

public sealed class KerasProgressTests
{
    private static readonly Regex s_epochLine = new(
        @"^(?<steps>\d+)/\k<steps> \[={30}\] - \d+s \d+ms/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4}$");

    [Fact]
    public void Formats_the_epoch_line_as_keras_does()
    {
        var result = new EpochResult(3, 0.43214, 0.87654, 0.32101, 0.9, TimeSpan.FromMilliseconds(1530));
        Assert.Equal(
            "45/45 [==============================] - 2s 34ms/step - loss: 0.4321 - accuracy: 0.8765 - val_loss: 0.3210 - val_accuracy: 0.9000",
            KerasProgress.FormatEpoch(result, 45));
        var noValidation = result with { ValidationLoss = null, ValidationAccuracy = null, Duration = TimeSpan.FromSeconds(0.2) };
        Assert.Equal("10/10 [==============================] - 0s 20ms/step - loss: 0.4321 - accuracy: 0.8765", KerasProgress.FormatEpoch(noValidation, 10));
    }

    [Fact]
    public void Rejects_bad_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KerasProgress(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => KerasProgress.FormatEpoch(new EpochResult(1, 0, 0, null, null, TimeSpan.Zero), 0));
        Assert.Throws<ArgumentNullException>(() => KerasProgress.FormatEpoch(null!, 1));
    }

    private static (History History, string Output, KerasProgress Progress) Train(bool interactive, int epochs)
    {
        var writer = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = interactive ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 200; // a terminal wide enough for the epoch lines (a narrower one wraps them)
        Dataset data = TinyNet.Data();
        var model = new TinyNet();
        model.InitializeParameters(seed: 3);
        var progress = new KerasProgress(epochs, console);
        History history = progress.Run(() => Trainer.Fit(model, data, new TrainingOptions
        {
            Epochs = epochs,
            BatchSize = 8,
            Optimizer = new Adam(learningRate: 0.05f),
            Seed = 1,
            ValidationData = data,
            Threads = 1,
            OnBatchEnd = progress.OnBatchEnd,
            OnEpochEnd = e =>
            {
                progress.OnEpochEnd(e);
                Assert.InRange(progress.LastEpochTrainingTime, TimeSpan.Zero, e.Duration);
                progress.WriteLine("after epoch " + e.Epoch);
            },
        }));
        return (history, writer.ToString(), progress);
    }

    [Fact]
    public void Redirected_output_gets_exactly_the_keras_lines_and_no_bar()
    {
        (History history, string output, KerasProgress progress) = Train(interactive: false, epochs: 3);
        Assert.False(progress.Live);
        string[] lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(9, lines.Length);
        for (int e = 0; e < 3; e++)
        {
            Assert.Equal($"Epoch {e + 1}/3", lines[3 * e]);
            Assert.Matches(s_epochLine, lines[3 * e + 1]);
            Assert.StartsWith("5/5 ", lines[3 * e + 1]); // 40 samples in batches of 8
            Assert.Equal(KerasProgress.FormatEpoch(history.Epochs[e], 5), lines[3 * e + 1]);
            Assert.Equal($"after epoch {e + 1}", lines[3 * e + 2]);
        }
        Assert.DoesNotContain('\u001b', output);
    }

    [Fact]
    public void An_interactive_console_draws_a_live_bar_and_keeps_the_epoch_lines()
    {
        (History history, string output, KerasProgress progress) = Train(interactive: true, epochs: 2);
        Assert.True(progress.Live);
        Assert.Contains('\u001b', output); // the live display's cursor and colour codes
        foreach (EpochResult epoch in history.Epochs)
            Assert.Contains(KerasProgress.FormatEpoch(epoch, 5), output);
        Assert.Contains("Epoch 2/2", output);
        Assert.Contains("after epoch 2", output);
    }

    [Fact]
    public void Without_batch_callbacks_the_epoch_line_is_the_librarys()
    {
        var writer = new StringWriter();
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(writer) });
        var progress = new KerasProgress(1, console);
        var result = new EpochResult(1, 0.5, 0.75, null, null, TimeSpan.FromSeconds(2));
        progress.OnEpochEnd(result);
        Assert.Equal("Epoch 1/1" + Environment.NewLine + result + Environment.NewLine, writer.ToString());
    }

    [Fact]
    public void Training_learns_the_tiny_problem_so_the_lines_report_real_figures()
    {
        (History history, _, _) = Train(interactive: false, epochs: 30);
        Assert.True(history.Epochs[^1].Loss < history.Epochs[0].Loss);
        Assert.True(history.Epochs[^1].Accuracy > history.Epochs[0].Accuracy);
    }
}
