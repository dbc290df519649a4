"""Each compiler pass on a small graph: the structural change it makes, and unchanged outputs
(the reference interpreter runs the graph before and after; fused nodes run their bodies)."""
import numpy as np
import pytest

import graphflow as tf
from graphflow.backends import reference
from graphflow.compiler import pipeline
from graphflow.compiler.lower import with_interface
from graphflow.compiler.passes import (
    constant_fold, cse, fuse_elementwise, fuse_epilogue, fuse_reduction, fuse_update, prune,
    schedule_collectives, simplify)
from graphflow.errors import InvalidArgumentError

tf1 = tf.compat.v1


def build(fn, *shapes, targets=()):
    """Traces fn on placeholders of `shapes`; returns (graph with interface, input arrays)."""
    g = tf.Graph()
    rng = np.random.default_rng(0)
    with g.as_default():
        xs = [tf1.placeholder(tf.float32, s, name=f"x{i}") for i, s in enumerate(shapes)]
        out = fn(*xs)
    outs = out if isinstance(out, (list, tuple)) else ([] if out is None else [out])
    g.inputs, g.outputs = xs, list(outs)
    g.targets = [n for n in g.nodes if n.type in ("assign", "assign_add", "assign_sub")]
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    return g, arrays


def run(graph, arrays):
    return reference.compile(graph, graph.outputs, graph.inputs, graph.targets).run(arrays)


def assert_same_outputs(before, after, arrays):
    for a, b in zip(run(before, arrays), run(after, arrays)):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-6)


def types(graph):
    return [n.type for n in graph.nodes]


def clusters(graph):
    return [n.attrs["cluster"] for n in graph.nodes if n.type == "fused"]


def test_prune_removes_dead_nodes_and_keeps_inputs():
    g, arrays = build(lambda x, unused: x * 2.0, (3,), (2,))
    with g.as_default():
        tf.sin(g.inputs[0])  # dead
    new, stats = prune.run(g)
    assert stats["removed"] == 1
    assert "sin" not in types(new)
    assert [t.name for t in new.inputs] == ["x0:0", "x1:0"]
    assert_same_outputs(g, new, arrays)


def test_prune_keeps_assign_targets():
    v = tf.Variable([1.0, 2.0])
    g, arrays = build(lambda x: (v.assign_add(x), None)[1], (2,))
    new, _ = prune.run(g)
    assert "assign_add" in types(new)


def test_constant_fold_evaluates_constant_subgraphs_and_shape_queries():
    g, arrays = build(lambda x: x * (tf.constant(2.0) + 1.0) + tf.cast(tf.size(x), tf.float32),
                      (4,))
    new, stats = constant_fold.run(g)
    assert stats["folded"] == 3  # add, size, cast
    assert "size" not in types(new) and "cast" not in types(new)
    assert_same_outputs(g, new, arrays)


def test_constant_fold_never_folds_random_or_stateful():
    v = tf.Variable(3.0)
    g, arrays = build(lambda x: x + tf.random.uniform([]) * 0.0 + v * 1.0, (2,))
    new, _ = constant_fold.run(g)
    assert "random_uniform" in types(new) and "read_variable" in types(new)


def test_simplify_removes_exact_noops():
    g, arrays = build(lambda x: tf.identity(tf.cast(x, tf.float32) * 1.0 + 0.0) / 1.0 - 0.0, (3,))
    new, stats = simplify.run(g)
    prune_new, _ = prune.run(new)
    assert types(prune_new) == ["placeholder"]
    assert stats["simplified"] == 5
    assert_same_outputs(g, new, arrays)


def test_simplify_keeps_shape_changing_identities():
    # x + zeros((2, 3)) broadcasts x of shape (3,): not a no-op.
    g, arrays = build(lambda x: x + tf.zeros((2, 3)), (3,))
    new, stats = simplify.run(g)
    assert stats["simplified"] == 0 and "add" in types(new)
    assert_same_outputs(g, new, arrays)


def test_simplify_transposes_reshapes_and_square():
    g, arrays = build(lambda x: tf.reshape(tf.reshape(tf.transpose(tf.transpose(x, [1, 0, 2]),
                                                                   [1, 0, 2]), [6, 4]), [4, 6]) ** 2,
                      (2, 3, 4))
    new, _ = simplify.run(g)
    new, _ = prune.run(new)
    assert types(new).count("transpose") == 0
    assert types(new).count("reshape") == 1
    assert "square" in types(new) and "pow" not in types(new)
    assert_same_outputs(g, new, arrays)


def test_cse_merges_identical_pure_nodes_only():
    g, arrays = build(lambda x: tf.exp(x) + tf.exp(x) + tf.random.uniform([3]) * 0.0
                      + tf.random.uniform([3]) * 0.0, (3,))
    new, stats = cse.run(g)
    assert stats["merged"] >= 1
    assert types(new).count("exp") == 1
    assert types(new).count("random_uniform") == 2


def test_fuse_elementwise_forms_one_kernel_named_after_its_ops():
    g, arrays = build(lambda x, b: tf.nn.relu(x * 2.0 + b), (4, 3), (3,))
    new, stats = fuse_elementwise.run(g)
    (c,) = clusters(new)
    assert c.name == "fused_mul_add_relu" and c.kind == "elementwise"
    assert c.ops == ["const", "multiply", "add", "relu"] or c.ops == ["multiply", "add", "relu"]
    assert_same_outputs(g, new, arrays)


def test_fuse_elementwise_writes_values_used_outside_as_extra_outputs():
    # e = exp(x) feeds both the fused chain and a reduction: the kernel writes it as a second
    # output, and the reduction (which sat between exp and the chain) moves after the kernel.
    def fn(x):
        e = tf.exp(x)
        return tf.reduce_sum(e), e * 2.0 + 1.0
    g, arrays = build(fn, (5,))
    new, stats = fuse_elementwise.run(g)
    (c,) = clusters(new)
    assert c.ops == ["exp", "multiply", "add"] and len(c.body.outputs) == 2
    assert stats["multi_output"] == 1 and "exp" not in types(new)
    assert types(new).index("fused") < types(new).index("reduce_sum")
    assert_same_outputs(g, new, arrays)


def test_fuse_elementwise_multi_output_never_forms_a_cycle():
    # softmax: exp feeds the sum that the division reads, so exp and the division cannot share
    # one kernel; the division's other producer chain still fuses.
    def fn(x):
        e = tf.exp(x - 1.0)
        return e / tf.reduce_sum(e, axis=1, keepdims=True) * 3.0
    g, arrays = build(fn, (4, 6))
    new, _ = fuse_elementwise.run(g)
    assert all(not ("exp" in c.ops and "truediv" in c.ops) for c in clusters(new))
    assert_same_outputs(g, new, arrays)


def test_fuse_elementwise_multi_output_keeps_state_in_order():
    # The assign between exp and the chain reads exp's value: moving it after a kernel could
    # reorder it with other variable accesses, so exp stays outside the chain's kernel.
    v = tf.Variable(0.0)

    def fn(x):
        e = tf.exp(x)
        v.assign_add(tf.reduce_sum(e))
        return e * 2.0 + 1.0
    g, arrays = build(fn, (5,))
    new, _ = fuse_elementwise.run(g)
    (c,) = clusters(new)
    assert "exp" not in c.ops
    assert types(new).index("assign_add") < types(new).index("fused")


def test_fuse_elementwise_never_moves_a_fused_update():
    # In a function, identity(v.assign_sub(d)) reads the variable after the update (TF2). After
    # fuse_update has made the assign_sub a fused update, d also feeds a later chain: absorbing
    # d into the chain's kernel moved the update after that read, which then saw the old value.
    # Found by the differential property (with prune off; the later chain keeps it alive here).
    v = tf.Variable(np.ones((2, 2), np.float32))

    def fn(x):
        d = tf.where(x > x, x, x)
        after = tf.identity(v.assign_sub(d))
        return after, tf.exp(tf.tanh(d))
    f = tf.function(fn, backend="numba")
    x = tf.constant(np.full((2, 2), 0.5, np.float32))
    after, _ = f(x)
    np.testing.assert_array_equal(after.numpy(), np.full((2, 2), 0.5, np.float32))
    nodes = f.get_concrete_function(x)._get_executable().graph.nodes
    (update,) = [k for k, n in enumerate(nodes)
                 if n.type == "fused" and n.attrs["cluster"].kind == "update"]
    assert max(k for k, n in enumerate(nodes) if n.type == "read_variable") > update


def test_fuse_elementwise_with_several_nodes_waiting_for_kernels():
    # Unpruned dead chains leave several nodes waiting for multi-output kernels at once; taking
    # one off the waiting list compared entries with ==, which on tensors builds an `equal` op.
    # Found by the differential property (seed 13, 'only fuse_elementwise').
    def fn(x):
        v1 = tf.exp(tf.tanh(x))
        v2 = tf.nn.softmax(x, axis=0)
        tf.exp(tf.tanh(tf.reduce_sum(v1)))
        tf.transpose(v2)
        tf.exp(tf.tanh(v2))
        return tf.exp(tf.tanh(v1))
    g, arrays = build(fn, (2, 2))
    new, stats = fuse_elementwise.run(g)
    assert stats["clusters"] >= 2
    assert_same_outputs(g, new, arrays)


def test_fuse_epilogue_stops_at_a_change_of_dtype():
    # The epilogue is applied in place on the product's buffer, so a comparison (bool) cannot
    # be part of it: x < matmul(...) compiled for the CPU wrote float32 into a bool buffer.
    # Found by the differential property (seed 17).
    def fn(x, y):
        return tf.where(x < tf.matmul(x, y), x, y)
    g, arrays = build(fn, (3, 3), (3, 3))
    new, stats = fuse_epilogue.run(g)
    assert stats["clusters"] == 0
    f = tf.function(fn, backend="numba")
    np.testing.assert_array_equal(f(*arrays).numpy(), fn(*map(tf.constant, arrays)).numpy())


def test_fuse_elementwise_leaves_single_ops_alone():
    g, arrays = build(lambda x: tf.reduce_sum(tf.exp(x)) + 1.0, (5,))
    new, stats = fuse_elementwise.run(g)
    assert stats["clusters"] == 0


def test_simplify_unbroadcast_becomes_reduce_sum():
    def fn(x, b, c):
        with tf.GradientTape() as tape:
            tape.watch([b, c])
            y = tf.reduce_sum((x + b) * c)
        return tape.gradient(y, [b, c])
    g, arrays = build(fn, (4, 3), (3,), (4, 1))
    assert types(g).count("unbroadcast") == 2
    new, stats = simplify.run(g)
    assert "unbroadcast" not in types(new) and stats["simplified"] >= 2
    sums = [n.attrs for n in new.nodes if n.type == "reduce_sum"]
    assert {"axis": (0,), "keepdims": False} in sums and {"axis": (1,), "keepdims": True} in sums
    assert_same_outputs(g, new, arrays)


def test_fuse_epilogue_matmul_bias_activation():
    w = tf.constant(np.ones((3, 2), np.float32))
    g, arrays = build(lambda x, b: tf.nn.relu(tf.matmul(x, w) + b), (4, 3), (2,))
    new, stats = fuse_epilogue.run(g)
    (c,) = clusters(new)
    assert c.kind == "matmul" and c.ops[:1] == ["matmul"] and c.name == "fused_matmul_add_relu"
    assert_same_outputs(g, new, arrays)


def test_fuse_epilogue_skips_matmul_used_elsewhere():
    w = tf.constant(np.ones((3, 2), np.float32))
    def fn(x):
        m = tf.matmul(x, w)
        return m + 1.0, m
    g, arrays = build(fn, (4, 3))
    new, stats = fuse_epilogue.run(g)
    assert stats["clusters"] == 0


def test_fuse_reduction_mean_of_squares_and_cross_entropy():
    g, arrays = build(lambda x: tf.reduce_mean(tf.square(x - 1.0), axis=1), (4, 6))
    new, _ = fuse_reduction.run(g)
    (c,) = clusters(new)
    assert c.kind == "reduction" and c.ops[-1] == "reduce_mean"
    assert_same_outputs(g, new, arrays)
    labels = tf.constant([1, 0, 3, 2])
    g, arrays = build(lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels, x), (4, 6))
    new, _ = fuse_reduction.run(g)
    assert len(clusters(new)) >= 2  # the softmax denominator and the label-weighted sum
    assert_same_outputs(g, new, arrays)


def test_fuse_reduction_lone_reduction_is_a_kernel():
    g, arrays = build(lambda x: tf.reduce_max(x, axis=1, keepdims=True), (4, 6))
    new, stats = fuse_reduction.run(g)
    (c,) = clusters(new)
    assert c.kind == "reduction" and c.ops == ["reduce_max"] and stats["clusters"] == 1
    assert_same_outputs(g, new, arrays)


def test_fuse_update_rmsprop_style_rule_is_one_kernel():
    ms = tf.Variable(np.zeros(3, np.float32))
    var = tf.Variable(np.ones(3, np.float32))

    def step(grad):
        new_ms = 0.9 * ms + 0.1 * grad * grad
        ms.assign(new_ms)
        var.assign_sub(0.01 * grad / tf.sqrt(new_ms + 1e-7))
    g, arrays = build(step, (3,))
    new, stats = fuse_update.run(g)
    (c,) = clusters(new)
    assert c.kind == "update" and stats["variables"] == 2
    assert sorted(n for n in c.ops if n.startswith("assign")) == ["assign", "assign_sub"]
    before = run(g, arrays), ms.numpy().copy(), var.numpy().copy()
    ms.assign(np.zeros(3, np.float32))
    var.assign(np.ones(3, np.float32))
    run(new, arrays)
    np.testing.assert_allclose(ms.numpy(), before[1], rtol=1e-6)
    np.testing.assert_allclose(var.numpy(), before[2], rtol=1e-6)


def test_fuse_update_integer_counter_joins_the_scalar_updates():
    # Keras's optimizer iteration count (int64) updates in the same kernel as float scalars.
    count = tf.Variable(np.int64(0))
    total = tf.Variable(0.0)

    def step(x):
        total.assign_add(tf.reduce_sum(x))
        count.assign_add(np.int64(1))
    g, arrays = build(step, (3,))
    new, stats = fuse_update.run(g)
    (c,) = [c for c in clusters(new) if c.kind == "update"]
    assert stats["variables"] == 2 and c.ops.count("assign_add") == 2
    run(g, arrays)
    expected = count.numpy(), total.numpy()
    count.assign(np.int64(0))
    total.assign(0.0)
    run(new, arrays)
    assert count.numpy() == expected[0] == 1 and count.dtype == tf.int64
    np.testing.assert_allclose(total.numpy(), expected[1], rtol=1e-6)


def test_fuse_update_reads_after_the_kernel_see_the_new_value():
    v = tf.Variable([1.0, 2.0])

    def fn(x):
        v.assign_sub(x * 2.0)
        return v.read_value() * 1.0
    g, arrays = build(fn, (2,))
    new, stats = fuse_update.run(g)
    assert stats["variables"] == 1
    v.assign([1.0, 2.0])
    (before,) = run(g, arrays)
    v.assign([1.0, 2.0])
    (after,) = run(new, arrays)
    np.testing.assert_allclose(after, before, rtol=1e-6)
    np.testing.assert_allclose(after, np.array([1.0, 2.0]) - 2 * arrays[0], rtol=1e-6)


def test_fuse_update_never_moves_an_assign_past_an_access_of_its_variable():
    # u's assign would move to w's (the kernel's position), past the read of u in between.
    u, w = tf.Variable([1.0, 2.0]), tf.Variable([3.0, 4.0])

    def fn(x):
        u.assign_add(x * 2.0)
        seen = u.read_value() + 0.0
        w.assign_add(x * 3.0)
        return seen
    g, arrays = build(fn, (2,))
    new, stats = fuse_update.run(g)
    assert stats["variables"] == 1
    (c,) = clusters(new)
    assert [n.attrs["var"] for n in c.body.nodes if n.type == "assign_add"] == [w]
    assert "assign_add" in types(new)  # u's, where it was
    u.assign([1.0, 2.0])
    (before,) = run(g, arrays)
    u.assign([1.0, 2.0])
    (after,) = run(new, arrays)
    np.testing.assert_allclose(after, before, rtol=1e-6)


def test_pipeline_switches_and_debug_verification():
    g, arrays = build(lambda x: tf.nn.relu(x * 2.0 + 1.0), (8,))
    prepared = with_interface(g, g.inputs, g.outputs, [])
    new, reports = pipeline.optimize(prepared, {"fuse_elementwise": False,
                                                "verify_after_each_pass": True})
    assert "fuse_elementwise" not in [r.name for r in reports]
    assert not clusters(new)
    new, reports = pipeline.optimize(prepared)
    # (no control flow: the bodies' stages are not reported)
    assert [r.name for r in reports] == list(pipeline.PASS_NAMES[:5]) + ["prune"] + [
        name for name in pipeline.PASS_NAMES[5:] if name != pipeline.BODIES_OPTION]
    with pytest.raises(InvalidArgumentError, match="Unknown optimizer option 'fuse_everything'"):
        pipeline.optimize(prepared, {"fuse_everything": True})


def test_global_optimizer_config_and_per_function_options():
    tf.config.optimizer.set_experimental_options({"fuse_elementwise": False})
    try:
        @tf.function
        def f(x):
            return tf.nn.relu(x * 2.0 + 1.0)
        f(tf.ones(4))
        assert "fused_mul_add_relu" not in f.explain()
    finally:
        tf.config.optimizer.set_experimental_options({"fuse_elementwise": True})

    @tf.function(optimizer_options={"fuse_elementwise": True})
    def g(x):
        return tf.nn.relu(x * 2.0 + 1.0)
    g(tf.ones(4))
    assert "fused_mul_add_relu" in g.explain()


def test_explain_lists_passes_clusters_source_and_memory():
    @tf.function
    def f(x, w, b):
        return tf.reduce_sum(tf.nn.relu(tf.matmul(x, w) + b) * 2.0)
    f(tf.ones((4, 3)), tf.ones((3, 2)), tf.ones(2))
    text = f.explain()
    for expected in ("== passes ==", "constant_fold", "fuse_epilogue", "fused_matmul_add_relu",
                     "@njit", "def fused_", "peak intermediate memory"):
        assert expected in text, expected


def test_schedule_collectives_overlaps_but_never_passes_an_assign():
    """Each bucket's start goes right after its input is computed (buckets in the order their
    inputs are computed), each wait right before its reader; no start moves above an assign (it
    would read a value from before it); the outputs are unchanged."""
    from graphflow.ops.collective import all_reduce
    v = tf.Variable(2.0)

    def step(x, assign):
        late = tf.exp(x) * 3.0
        early = tf.sin(x)
        if assign:
            v.assign_add(tf.reduce_sum(x))
        rest = tf.tanh(tf.cos(x))
        r_early, r_late = all_reduce([early, late], "sum", group_size=1, bytes_per_pack=4)
        return rest * r_early + r_late
    for assign in (False, True):
        g, arrays = build(lambda x: step(x, assign), (1,))
        new, stats = schedule_collectives.run(g)
        order = types(new)
        starts = [i for i, t in enumerate(order) if t == "collective_all_reduce_start"]
        waits = [i for i, t in enumerate(order) if t == "collective_all_reduce_wait"]
        assert len(starts) == len(waits) == 2
        if assign:
            # moved up past cos and tanh, to just below the assign
            assert starts == [order.index("assign_add") + 1, order.index("assign_add") + 2]
        else:
            assert starts == [order.index("multiply") + 1, order.index("sin") + 1]
        assert stats["starts_moved"] == 2
        assert min(waits) > order.index("tanh")
        assert_same_outputs(g, new, arrays)
        again, _ = schedule_collectives.run(new)  # placed once, nothing moves any more
        assert types(again) == order


def test_schedule_collectives_leaves_collectives_feeding_one_another():
    from graphflow.ops.collective import all_reduce
    g, _ = build(lambda x: all_reduce([all_reduce([tf.exp(x)], group_size=1)[0]],
                                      group_size=1), (2,))  # a start reading a wait's output
    new, stats = schedule_collectives.run(g)
    assert new is g and stats == {"starts_moved": 0, "waits_moved": 0}


def test_a_node_moved_after_a_region_does_not_start_one_of_its_own():
    # Found by the differential properties (seed 777, x10; only fuse_elementwise, no prune):
    # the where/greater region is placed at its last member, so the gradient's multiply that
    # reads it moves after it; a region started at that multiply ran before its inputs existed.
    def f(x1, x2):
        with tf.GradientTape() as tape:
            tape.watch(x1)
            v4 = tf.reduce_sum(tf.exp(tf.tanh(x1)))
            v5 = tf.where(v4 > v4, v4, x2)
        v6 = tape.gradient(v5, x1, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        tf.exp(tf.tanh(v6))  # unused: left in the graph, as prune is off
        return (tf.exp(tf.tanh(v5)),)
    concrete = tf.function(f).get_concrete_function(tf.TensorSpec([1]), tf.TensorSpec([]))
    prepared = with_interface(concrete.graph, concrete.inputs, concrete.outputs, [])
    only = dict({name: False for name in pipeline.PASS_NAMES}, fuse_elementwise=True)
    graph, _ = pipeline.optimize(prepared, dict(only, verify_after_each_pass=True))
    args = [np.array([0.3], np.float32), np.array(0.7, np.float32)]
    got = reference.compile(graph, graph.outputs, graph.inputs, graph.targets).run(args)
    want = [t.numpy() for t in f(*[tf.constant(a) for a in args])]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)
