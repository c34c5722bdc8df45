// ONNX Runtime's side of the README's start-up comparison: time to create an InferenceSession for the seed model
// and to get its first prediction, in a fresh process. Usage: OrtStartup MODEL.onnx IMAGE.pgm (P5, 28x28, maxval 255)
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

long start = Stopwatch.GetTimestamp();
byte[] pgm = File.ReadAllBytes(args[1]);
var pixels = new float[784];
for (int i = 0; i < 784; i++) pixels[i] = pgm[pgm.Length - 784 + i] / 255f;

long beforeSession = Stopwatch.GetTimestamp();
using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
using var session = new InferenceSession(args[0], options);
double sessionMs = Stopwatch.GetElapsedTime(beforeSession).TotalMilliseconds;

var input = new DenseTensor<float>(pixels, new[] { 1, 1, 28, 28 });
using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.First(), input) });
float[] output = results.First().AsEnumerable<float>().ToArray();
double firstMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
int label = Array.IndexOf(output, output.Max());
Console.WriteLine($"class {label}; session creation {sessionMs:F1} ms; Main to first prediction {firstMs:F1} ms");
