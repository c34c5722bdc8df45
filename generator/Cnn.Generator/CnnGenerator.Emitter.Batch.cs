using System;
using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;

namespace Cnn.Generator;

public sealed partial class CnnGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// Emits the batch training step of SPEC §7, <c>AccumulateBatchGradients</c>, for every model. The batch runs layer
        /// by layer rather than sample by sample: the layers between two batch layers (BatchNormalization) run as one
        /// per-sample phase, sliced over the batch and spread over threads; each batch layer runs over the whole batch on
        /// the calling thread between them, forward with the batch's statistics and backward through them. Every sample
        /// keeps its activations and its gradient buffers in a per-thread workspace, grown to the largest batch seen: a
        /// chain's two buffers used in turn, or a graph's one buffer per value (<see cref="GraphGradients"/>).
        /// </summary>
        private static void EmitBatchTraining(SourceWriter w, NetworkSpec spec, Plan plan, CompilationData compilation)
        {
            string ros = Names.ReadOnlySpan, span = Names.Span, model = spec.Hierarchy.ClassName;
            int count = plan.Layers.Count;
            bool fusable = Fusable(spec);

            // Where each layer's output lives in a sample's block: every layer that computes something while training
            // (dropout included: it drops with the caller's seeds, else it copies) has its own slice; the rest share their
            // input's.
            var at = new Dictionary<int, long>();
            long block = 0;
            foreach (LayerContext context in plan.Layers)
            {
                if (!ActivationPlan.Computes(context, training: true)) continue;
                at[context.Index] = block;
                block += context.Layer.Output.Size;
            }
            int largest = Math.Max(spec.Input.Size, plan.Layers.Max(l => l.Layer.Output.Size));
            GraphGradients? graph = NetworkValidator.IsGraph(spec.Layers) ? new GraphGradients(plan.Layers, training: true, spec.Input.Size) : null;
            long gradA = block, gradB = block + largest, values = block, gradTemp = block + (graph?.Size ?? 0);
            block += graph is null ? 2L * largest : graph.Size + (graph.Shared ? largest : 0);
            ActivationPlan named = ActivationPlan.Named(plan.Layers, training: true);
            // Layers that compute only while training (Dropout): they run with each sample's seed when the caller gives seeds.
            bool dropout = plan.Layers.Any(l => ActivationPlan.Computes(l, training: true) && !ActivationPlan.Computes(l, training: false));
            int Owner(int index)
            {
                while (index >= 0 && !at.ContainsKey(index)) index = plan.Layers[index].Source;
                return index;
            }
            (string Array, string Offset, string Stride) Where(int index) => Owner(index) is int o && o >= 0
                ? ("ws.Activations", Format.Int(at[o]), "BatchBlockSize")
                : ("ws.Inputs", "0", "InputSize");

            var statisticsAt = new Dictionary<int, int>();
            int statistics = 0;
            foreach (LayerContext context in plan.Layers)
            {
                if (!context.Layer.UsesBatchStatistics) continue;
                statisticsAt[context.Index] = statistics;
                statistics += context.Layer.BatchStatisticsSize;
            }
            int firstTrainable = plan.Layers.FindIndex(l => l.Layer.Tensors.Any(t => t.Trainable));
            string[] buffers = GradientBufferOfEachLayer(plan);
            var batchLayers = plan.Layers.Where(l => l.Layer.UsesBatchStatistics).Select(l => l.Index).ToList();
            var bounds = new List<int> { -1 };
            bounds.AddRange(batchLayers);
            bounds.Add(count);
            int segments = bounds.Count - 1; // per-sample runs of layers between batch layers
            int lastPhase = 2 * (segments - 1);
            // Without batch layers each sample runs forward and back in one phase and nothing outlives it but its loss and
            // output: a slice reuses one block for all its samples (hot in cache, as the stack of the per-sample path is),
            // and each sample's output is copied out. With batch layers a sample's activations wait for the batch.
            bool blockPerSlice = segments == 1;

            // A forward phase runs when it has layers (the last one always: it also takes the loss); a backward phase when
            // it has layers that need a gradient.
            bool ForwardRuns(int j) => j == segments - 1 || bounds[j + 1] - bounds[j] > 1;
            bool BatchBackwardRuns(int j) => bounds[j + 1] >= firstTrainable;
            bool BackwardRuns(int j) => BatchBackwardRuns(j) && (Math.Max(bounds[j] + 1, firstTrainable) <= bounds[j + 1] - 1 || AddsBelow(j));
            // In a graph the batch layer above segment j leaves its input's share of the gradient in its own buffer: the
            // per-sample phase below adds it into its input's buffer, unless no gradient is wanted there.
            bool AddsBelow(int j)
            {
                if (graph is null || bounds[j + 1] >= count) return false;
                int source = Owner(plan.Layers[bounds[j + 1]].Source);
                return source >= 0 && source >= firstTrainable;
            }

            BatchCall Call(LayerContext context, bool backward)
            {
                (string xa, string xo, string xs) = Where(context.Source);
                long gradient = graph is not null ? values + graph.OffsetOf(context.Index) : buffers[context.Index + 1] == "gradA" ? gradA : gradB;
                (string ya, string yo, string ys) = backward ? ("ws.Activations", Format.Int(gradient), "BatchBlockSize") : Where(context.Index);
                return new BatchCall(xa, xo, xs, ya, yo, ys, "ws.Count",
                    $"new global::System.Span<float>(ws.Statistics, {Format.Int(statisticsAt[context.Index])}, {Format.Int(context.Layer.BatchStatisticsSize)})", "gradients", "threads");
            }

            // ---- The public members.
            const string Summary = "/// <summary>\n" +
                "/// The batch training step (SPEC §7): <paramref name=\"inputs\"/> holds the batch's samples end to end. Training mode:\n" +
                "/// BatchNormalization normalises with the batch's mean and biased variance over every axis but the last, and the\n" +
                "/// gradient flows through those statistics; dropout is the identity (unless the overload with seeds is given some).\n" +
                "/// Returns the MEAN loss, ADDS the gradient of the mean loss into <paramref name=\"gradients\"/> (zero for the moving\n" +
                "/// statistics) and, when <paramref name=\"updateMovingStatistics\"/>, moves the moving statistics:\n" +
                "/// moving = momentum·moving + (1 − momentum)·batch.\n" +
                "/// Without BatchNormalization it is the mean of the per-sample <c>AccumulateGradients</c>.\n" +
                "/// </summary>";
            const string Threads = "/// <param name=\"threads\">Threads for the per-sample work (1: the calling thread alone); the result does not depend on it.</param>\n" +
                "/// <param name=\"outputs\">Empty, or n·OutputSize values: receives the training pass's outputs, for the training accuracy.</param>\n" +
                "/// <param name=\"dropoutSeeds\">Empty (dropout is the identity), or one seed per sample: dropout then drops what the per-sample\n" +
                "/// <c>AccumulateGradients</c> with that seed drops.</param>";
            void Lines(string text)
            {
                foreach (string line in text.Split('\n')) w.Line(line);
            }
            foreach (bool sparse in new[] { true, false })
            {
                string targets = sparse ? "global::System.ReadOnlySpan<int> targets" : $"{ros} targets";
                Lines(Summary);
                w.Line(sparse ? "/// <param name=\"targets\">The n class indices.</param>" : "/// <param name=\"targets\">n·OutputSize target values.</param>");
                w.Line($"public float AccumulateBatchGradients({ros} inputs, {targets}, {span} gradients, bool updateMovingStatistics = true) =>");
                using (w.Indent())
                    w.Line("AccumulateBatchGradients(inputs, targets, gradients, updateMovingStatistics, 1, default);");
                w.Line();
                Lines(Summary);
                Lines(Threads);
                using (w.Block($"public float AccumulateBatchGradients({ros} inputs, {targets}, {span} gradients, bool updateMovingStatistics, int threads, {span} outputs, global::System.ReadOnlySpan<ulong> dropoutSeeds = default)"))
                {
                    w.Line($"int count = global::Cnn.BatchDefaults.Check(this, inputs.Length, targets.Length, gradients.Length, outputs.Length, {(sparse ? "1" : "OutputSize")}, dropoutSeeds.Length);");
                    if (sparse)
                        w.Line($"for (int i = 0; i < count; i++) {Names.Kernels}.CheckIndex(targets[i], OutputSize, nameof(targets));");
                    w.Line("BatchWorkspace ws = BatchWorkspace.For(this, count);");
                    if (sparse)
                    {
                        w.Line("// A class index is a one-hot target.");
                        w.Line($"{span} oneHot = new global::System.Span<float>(ws.Targets, 0, count * OutputSize);");
                        w.Line("oneHot.Clear();");
                        w.Line("for (int i = 0; i < count; i++) oneHot[i * OutputSize + targets[i]] = 1f;");
                    }
                    else
                    {
                        w.Line("targets.CopyTo(ws.Targets);");
                    }
                    if (dropout)
                    {
                        w.Line("ws.Dropout = !dropoutSeeds.IsEmpty;");
                        w.Line("dropoutSeeds.CopyTo(ws.DropoutSeeds);");
                    }
                    w.Line("return BatchStep(ws, inputs, gradients, updateMovingStatistics, threads, outputs);");
                }
                w.Line();
            }
            w.Line("bool global::Cnn.ICnnModel.UsesBatchStatistics => " + (batchLayers.Count > 0 ? "true" : "false") + ";");
            w.Line();

            // ---- The workspace.
            w.Line(blockPerSlice
                ? $"// The batch step keeps, per slice of the batch, one sample's layer outputs and gradient buffers ({Format.Thousands(block)} floats)."
                : $"// The batch step keeps, per sample, every layer's output and its gradient buffers ({Format.Thousands(block)} floats).");
            w.Line($"private const int BatchBlockSize = {Format.Int(block)};");
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// The batch step's buffers, one set per calling thread, grown to the largest batch seen and then reused (no allocation");
            w.Line($"/// in the steady state): the samples, their targets, per {(blockPerSlice ? "slice" : "sample")} a block of activations and gradient buffers, the");
            w.Line($"/// parameter gradients of each slice of the batch, the losses{(blockPerSlice ? ", the outputs" : "")}, and the batch statistics.");
            w.Line("/// </summary>");
            using (w.Block("private sealed class BatchWorkspace"))
            {
                w.Line("[global::System.ThreadStatic]");
                w.Line("private static BatchWorkspace? t_current;");
                w.Line("public float[] Inputs = global::System.Array.Empty<float>(), Targets = global::System.Array.Empty<float>(), Activations = global::System.Array.Empty<float>();");
                w.Line("public float[] SliceGradients = global::System.Array.Empty<float>();");
                w.Line("/// <summary>The slices' gradients summed; whether a step left the slices' buffers uncleared (it stopped half-way).</summary>");
                w.Line("public readonly float[] Sum = new float[ParameterCount];");
                w.Line("public bool Dirty;");
                w.Line($"public readonly float[] Statistics = new float[{Format.Int(statistics)}];");
                w.Line("public double[] Losses = global::System.Array.Empty<double>();");
                if (blockPerSlice) w.Line("public float[] Outputs = global::System.Array.Empty<float>();");
                if (dropout)
                {
                    w.Line("public ulong[] DropoutSeeds = global::System.Array.Empty<ulong>();");
                    w.Line("public bool Dropout;");
                }
                w.Line("public int Count, Slices, Phase;");
                w.Line($"public {model}? Model;");
                w.Line("/// <summary>Runs the current phase on one slice: made once, so running a phase allocates nothing of ours.</summary>");
                w.Line("public readonly global::System.Action<int> Body;");
                w.Line("private BatchWorkspace() => Body = slice => Model!.BatchPhase(this, Phase, slice);");
                w.Line();
                using (w.Block($"public static BatchWorkspace For({model} model, int count)"))
                {
                    w.Line("BatchWorkspace ws = t_current ??= new BatchWorkspace();");
                    using (w.Block("if (ws.Losses.Length < count)"))
                    {
                        w.Line("ws.Inputs = new float[checked(count * InputSize)];");
                        w.Line("ws.Targets = new float[checked(count * OutputSize)];");
                        w.Line(blockPerSlice
                            ? "ws.Activations = new float[checked(global::Cnn.BatchRunner.Slices(count) * BatchBlockSize)];"
                            : "ws.Activations = new float[checked(count * BatchBlockSize)];");
                        w.Line("ws.Losses = new double[count];");
                        if (blockPerSlice) w.Line("ws.Outputs = new float[checked(count * OutputSize)];");
                        if (dropout) w.Line("ws.DropoutSeeds = new ulong[count];");
                    }
                    w.Line("ws.Slices = global::Cnn.BatchRunner.Slices(count);");
                    w.Line("if (ws.SliceGradients.Length < ws.Slices * ParameterCount) ws.SliceGradients = new float[checked(ws.Slices * ParameterCount)];");
                    w.Line("ws.Model = model;");
                    w.Line("ws.Count = count;");
                    w.Line("return ws;");
                }
            }
            w.Line();

            // ---- The step: phases in order.
            w.Line("/// <summary>");
            w.Line("/// The batch step, layer by layer over the batch:");
            for (int j = 0; j < segments; j++)
            {
                if (j > 0) w.Line($"/// {plan.Layers[bounds[j]].Layer.Name} forward over the whole batch;");
                if (ForwardRuns(j))
                    w.Line($"/// phase {j}: {SegmentText(j, forward: true)}{(j == segments - 1 ? ", the loss, and back through " + SegmentText(j, forward: false) : "")};");
            }
            for (int j = segments - 2; j >= 0 && BatchBackwardRuns(j); j--)
            {
                w.Line($"/// {plan.Layers[bounds[j + 1]].Layer.Name} backward over the whole batch;");
                if (BackwardRuns(j)) w.Line($"/// phase {lastPhase - j}: back through {SegmentText(j, forward: false)};");
            }
            w.Line("/// then the slices' gradients summed in slice order, and the moving statistics updated.");
            w.Line("/// </summary>");
            using (w.Block($"private float BatchStep(BatchWorkspace ws, {ros} inputs, {span} gradients, bool updateMovingStatistics, int threads, {span} outputs)"))
            {
                w.Line($"{ros} p = {ParameterReads(spec)};");
                w.Line("int count = ws.Count;");
                w.Line("inputs.CopyTo(ws.Inputs);");
                w.Line("// The slices' buffers are zero: new, or cleared by the last step's sum (unless it stopped half-way).");
                w.Line("if (ws.Dirty) global::System.Array.Clear(ws.SliceGradients);");
                w.Line("ws.Dirty = true;");
                void Run(int phase)
                {
                    w.Line($"ws.Phase = {phase};");
                    w.Line("global::Cnn.BatchRunner.Run(ws.Slices, threads, ws.Body);");
                }
                for (int j = 0; j < segments; j++)
                {
                    if (j > 0)
                    {
                        LayerContext context = plan.Layers[bounds[j]];
                        w.Line($"// {context.Layer.Describe()}: forward with the batch's statistics");
                        context.Layer.EmitBatchForwardCall(w, context, Call(context, backward: false));
                    }
                    if (ForwardRuns(j)) Run(j);
                }
                // Below the lowest layer with trainable parameters no gradient is needed.
                for (int j = segments - 2; j >= 0 && BatchBackwardRuns(j); j--)
                {
                    LayerContext context = plan.Layers[bounds[j + 1]];
                    w.Line($"// {context.Layer.Describe()}: backward through the batch's statistics");
                    context.Layer.EmitBatchBackwardCall(w, context, Call(context, backward: true));
                    if (BackwardRuns(j)) Run(lastPhase - j);
                }
                w.Line("// The parameter gradients of the slices, summed in slice order: the same on any number of threads.");
                w.Line("global::Cnn.BatchRunner.SumSlices(ws.SliceGradients, ws.Slices, ws.Sum, threads);");
                w.Line("ws.Dirty = false;");
                w.Line($"{Names.Kernels}.Add(gradients, ws.Sum);");
                w.Line("double loss = 0;");
                w.Line("for (int i = 0; i < count; i++) loss += ws.Losses[i];");
                if (blockPerSlice)
                {
                    w.Line("if (!outputs.IsEmpty) new global::System.Span<float>(ws.Outputs, 0, count * OutputSize).CopyTo(outputs);");
                }
                else
                {
                    (string oa, string oo, string os) = Where(count - 1);
                    w.Line($"if (!outputs.IsEmpty) for (int i = 0; i < count; i++) new global::System.Span<float>({oa}, {oo} + i * {os}, OutputSize).CopyTo(outputs.Slice(i * OutputSize, OutputSize));");
                }
                if (batchLayers.Count > 0)
                {
                    using (w.Block("if (updateMovingStatistics)"))
                    {
                        foreach (int i in batchLayers)
                            plan.Layers[i].Layer.EmitBatchUpdateCall(w, plan.Layers[i], Call(plan.Layers[i], backward: false));
                    }
                }
                w.Line("ws.Model = null;");
                w.Line("return (float)(loss / count);");
            }
            w.Line();

            // ---- The per-sample phases.
            w.Line("/// <summary>One per-sample phase of the batch step for the samples of one slice; the slice's parameter gradients go into its own buffer.</summary>");
            if (compilation.SkipLocalsInit) w.Line("[global::System.Runtime.CompilerServices.SkipLocalsInit]");
            using (w.Block("private void BatchPhase(BatchWorkspace ws, int phase, int slice)"))
            {
                w.Line($"{ros} p = {ParameterReads(spec)};");
                w.Line($"{span} gradients = new global::System.Span<float>(ws.SliceGradients, slice * ParameterCount, ParameterCount);");
                w.Line("float scale = 1f / ws.Count; // the gradient of the mean loss");
                using (w.Block("for (int n = slice * ws.Count / ws.Slices; n < (slice + 1) * ws.Count / ws.Slices; n++)"))
                {
                    w.Line($"{ros} input = new global::System.Span<float>(ws.Inputs, n * InputSize, InputSize);");
                    w.Line($"{span} block = new global::System.Span<float>(ws.Activations, {(blockPerSlice ? "slice" : "n")} * BatchBlockSize, BatchBlockSize);");
                    if (dropout)
                    {
                        w.Line("bool dropout = ws.Dropout;");
                        w.Line("ulong dropoutSeed = dropout ? ws.DropoutSeeds[n] : 0UL;");
                    }
                    foreach (LayerContext context in plan.Layers)
                        if (at.TryGetValue(context.Index, out long offset))
                            w.Line($"{span} y_{context.Layer.Name} = block.Slice({Format.Int(offset)}, {context.SizeName});");
                    if (graph is null)
                    {
                        w.Line($"{span} gradA = block.Slice({Format.Int(gradA)}, {Format.Int(largest)}), gradB = block.Slice({Format.Int(gradB)}, {Format.Int(largest)});");
                    }
                    else
                    {
                        graph.EmitSlices(w, "block", values);
                        if (graph.Shared) w.Line($"{span} gradTemp = block.Slice({Format.Int(gradTemp)}, {Format.Int(largest)});");
                    }
                    using (w.Block("switch (phase)"))
                    {
                        for (int j = 0; j < segments; j++)
                        {
                            if (!ForwardRuns(j)) continue;
                            using (w.Block($"case {j}:"))
                            {
                                for (int i = bounds[j] + 1; i < bounds[j + 1]; i++)
                                {
                                    w.Line($"// {plan.Layers[i].Layer.Describe()}");
                                    named.EmitForward(w, plan.Layers[i], training: true);
                                }
                                if (j == segments - 1)
                                {
                                    w.Line("// The loss of this sample; its gradient scaled by 1/n is the gradient of the mean loss.");
                                    w.Line($"{ros} targets = new global::System.Span<float>(ws.Targets, n * OutputSize, OutputSize);");
                                    if (graph is not null)
                                    {
                                        w.Line("// Every layer that takes a value adds its share into the value's gradient: zeroed first.");
                                        w.Line($"block.Slice({Format.Int(values)}, {Format.Int(graph.Size)}).Clear();");
                                    }
                                    w.Line($"{span} dOutput = {(graph is null ? "gradA" : graph.Of(count - 1))}.Slice(0, OutputSize);");
                                    w.Line("float loss;");
                                    if (fusable) w.Line("bool fused = false;");
                                    EmitLoss(w, spec, named.Output(count - 1), fusable);
                                    w.Line("ws.Losses[n] = loss;");
                                    if (blockPerSlice)
                                        w.Line($"{named.Output(count - 1)}.CopyTo(new global::System.Span<float>(ws.Outputs, n * OutputSize, OutputSize));");
                                    w.Line($"{Names.Kernels}.Scale(dOutput, scale);");
                                    EmitSegmentBackward(j);
                                }
                                w.Line("break;");
                            }
                        }
                        for (int j = segments - 2; j >= 0; j--)
                        {
                            if (!BackwardRuns(j)) continue;
                            using (w.Block($"case {lastPhase - j}:"))
                            {
                                EmitSegmentBackward(j);
                                w.Line("break;");
                            }
                        }
                    }
                }
            }
            w.Line();

            void EmitSegmentBackward(int j)
            {
                if (AddsBelow(j))
                {
                    LayerContext above = plan.Layers[bounds[j + 1]];
                    w.Line($"// {above.Layer.Name}'s input gradient, left in its own buffer by its batch backward step");
                    w.Line($"{Names.Kernels}.Add({graph!.Of(above.Source)}, {graph.Of(above.Index)});");
                }
                string Fused(int i) => i == count - 1 && fusable ? "fused" : "false";
                for (int i = bounds[j + 1] - 1; i > bounds[j] && i >= firstTrainable; i--)
                {
                    if (graph is not null)
                    {
                        graph.EmitBackward(w, named, i, "gradients", Fused(i), "", InputGradient.Never);
                        continue;
                    }
                    LayerContext context = plan.Layers[i];
                    string dy = $"{buffers[i + 1]}.Slice(0, {context.SizeName})";
                    string dx = i == firstTrainable ? "default" : $"{buffers[i]}.Slice(0, {context.InputSizeName})";
                    w.Line($"// {context.Layer.Describe()}");
                    context.Layer.EmitBackwardCall(w, context, new BackwardCall(named.Input(context), named.Output(i), dy, dx, "gradients",
                        Fused(i), "", Training: true));
                }
            }

            string SegmentText(int j, bool forward)
            {
                var names = Enumerable.Range(bounds[j] + 1, Math.Max(0, bounds[j + 1] - bounds[j] - 1)).Select(i => plan.Layers[i].Layer.Name);
                if (!forward) names = names.Reverse();
                string list = string.Join(", ", names);
                return list.Length == 0 ? "no per-sample layers" : "per sample " + list;
            }
        }
    }
}
