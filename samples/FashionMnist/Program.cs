// The course's Keras MNIST CNN on Fashion-MNIST, with the recipe of the PyTorch peer:
// RMSprop (lr 0.001, Keras defaults), batch 64; the test set is the validation data, as in the course.
// Usage: FashionMnist [epochs] [weights.safetensors] [--plots DIR] [--model cnn|resnet] [--limit N] [--seed N] [--last-epoch-lr RATE]
//   --plots writes DIR/loss.png and DIR/accuracy.png
//   --model resnet trains FashionResNet (a small ResNet with BatchNormalization) instead of the course's CNN, same recipe
//   (its PyTorch twin: bench/pytorch/fashion_resnet.py)
//   --limit N trains on the first N training images only (a quick run)
//   --seed N seeds the initial weights and the shuffling (default 1234): several seeds show how much a result varies
//   --last-epoch-lr RATE trains the last epoch at this learning rate (one step down from 0.001, say 0.0002; default: no step)
using System.Globalization;
using Cnn;
using Cnn.Samples;
using FashionMnist;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
SampleArguments arguments;
int epochs;
int? limit;
int seed;
float? lastEpochRate;
ICnnModel model;
try
{
    arguments = SampleArguments.Parse(args, "--model", "--limit", "--seed", "--last-epoch-lr");
    epochs = arguments.PositiveInt(0, 3, "number of epochs");
    limit = arguments.PositiveIntOption("--limit");
    seed = arguments.PositiveIntOption("--seed") ?? 1234;
    lastEpochRate = arguments.Option("--last-epoch-lr", "") is { Length: > 0 } rateText
        ? float.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out float rate) && float.IsFinite(rate) && rate > 0 ? rate
            : throw new ArgumentException($"--last-epoch-lr must be a learning rate above 0, such as 0.0002, not '{rateText}'.")
        : null;
    model = arguments.Option("--model", "cnn") switch
    {
        "cnn" => new MnistCnn(),
        "resnet" => new FashionResNet(),
        string other => throw new ArgumentException($"Unknown model '{other}': --model cnn (the course's CNN, the default) or --model resnet."),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Usage: FashionMnist [epochs] [weights.safetensors] [--plots DIR] [--model cnn|resnet] [--limit N] [--seed N] [--last-epoch-lr RATE]");
    return 2;
}
string weightsPath = arguments.String(1, model is FashionResNet ? "fashion-mnist-resnet.safetensors" : "fashion-mnist.safetensors");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(weightsPath))!);

Dataset train, test;
try
{
    train = Datasets.FashionMnist(train: true);
    if (limit is int n && n < train.Count) train = train.Take(n);
    test = Datasets.FashionMnist(train: false);
}
catch (FileNotFoundException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
Console.WriteLine($"Fashion-MNIST: {train.Count} training and {test.Count} test images from {Datasets.FashionMnistDirectory}.");
Console.WriteLine();
Console.WriteLine(model.Summary);
Console.WriteLine();

model.InitializeParameters(seed);
var progress = new KerasProgress(epochs);
var optimizer = new RmsProp(learningRate: 0.001f);
History history = progress.Run(() => Trainer.Fit(model, train, new TrainingOptions
{
    Epochs = epochs,
    BatchSize = 64,
    Optimizer = optimizer,
    Seed = seed,
    ValidationData = test,
    OnBatchEnd = progress.OnBatchEnd,
    OnEpochEnd = e =>
    {
        progress.OnEpochEnd(e);
        progress.WriteLine($"training throughput: {train.Count / progress.LastEpochTrainingTime.TotalSeconds:F0} img/s");
        if (lastEpochRate is float last && e.Epoch == epochs - 1)
        {
            optimizer.LearningRate = last;
            progress.WriteLine($"learning rate {last} for the last epoch");
        }
    },
}));

Evaluation evaluation = Trainer.Evaluate(model, test);
Console.WriteLine();
Console.WriteLine($"Test accuracy after {epochs} epochs: {evaluation.Accuracy:P2} (loss {evaluation.Loss:F4})");
WeightFile.Save(model, weightsPath);
Console.WriteLine($"Weights saved to {weightsPath}.");
if (arguments.PlotsDirectory is { } plots)
    Console.WriteLine($"Training curves: {string.Join(", ", TrainingCurves.Save(history.Epochs, plots, model.GetType().Name))}");
return 0;
