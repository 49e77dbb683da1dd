"""Python values through ferry::Value to a task's signature and back."""

import pytest

import ferry


def test_ints_floats_bools_strings(pool):
    assert pool.apply("power", (3, 4)) == 81
    assert pool.apply("is_prime", (7,)) is True
    assert pool.apply("analyze_chunk", ([1, 2, 3, 4],)) == 2.5
    assert pool.apply("work_with_error", (False,)) == "Success!"
    assert pool.apply("worker_result", (3,)) == "Worker 3 result"


def test_nested_lists_and_tuples(pool):
    # Python gives [[8, 2], [10, 16]] for the seed tutorial's second product.
    assert pool.apply("multiply_matrices", ([[2, 0], [1, 3]], [[4, 1], [2, 5]])) == [[8, 2], [10, 16]]
    assert pool.apply("multiply_matrices", (((1, 0), (0, 1)), [[5, 6], [7, 8]])) == [[5, 6], [7, 8]]


def test_tuple_results_come_back_as_tuples(pool):
    name, when = pool.apply("scheduled_task", (("job", 0.0),))
    assert name == "job" and len(when) == 8
    assert isinstance(pool.apply("scheduled_task", (("job", 0.0),)), tuple)


def test_structs_as_dicts(pool):
    assert pool.apply("midpoint", ({"x": 0, "y": 0}, {"x": 2.0, "y": 4.0})) == {"x": 1.0, "y": 2.0}


def test_struct_with_a_missing_field_is_a_value_error(pool):
    with pytest.raises(ValueError, match="missing field 'y'"):
        pool.apply("midpoint", ({"x": 0}, {"x": 2.0, "y": 4.0}))


def test_wrong_type_names_the_argument(pool):
    with pytest.raises(ValueError, match=r"argument 1 \(base\): expected i64, got string"):
        pool.apply("power", ("2", 3))
    with pytest.raises(ValueError, match="argument 2"):
        pool.apply("power", (2, None))


def test_int_beyond_64_bits_is_a_value_error(pool):
    with pytest.raises(ValueError, match="argument 1: int 36893488147419103232 does not fit 64 bits"):
        pool.apply("square", (2**65,))


def test_unsupported_python_type_is_a_value_error(pool):
    with pytest.raises(ValueError, match="argument 1: cannot pass a set"):
        pool.apply("square", ({1, 2},))


def test_map_names_the_bad_item(pool):
    with pytest.raises(ValueError, match=r"item 2: task 'square' .*argument 1 \(x\): expected i64, got float"):
        pool.map("square", [1, 2, 3.5])


def test_bytes_and_none_convert(math):
    # No test task takes bytes or None; the conversion is checked against signatures.
    with pytest.raises(ValueError, match="expected i64, got bytes"):
        math.check_arguments("square", (b"x",))
    with pytest.raises(ValueError, match="expected i64, got null"):
        math.check_arguments("square", (None,))


def test_wrong_argument_count(pool):
    with pytest.raises(ValueError, match="takes 2 arguments, got 3"):
        pool.apply("power", (1, 2, 3))


def test_objects_with_index_convert_as_ints(pool):
    class Seven:
        def __index__(self):
            return 7

    assert pool.apply("square", (Seven(),)) == 49


def test_typed_fast_path_and_value_path_agree(pool):
    class Three:
        def __index__(self):
            return 3

    # Plain ints go the typed way; an __index__ object sends the call the Value way.
    assert pool.map("square", [1, 2, 3]) == pool.map("square", [1, 2, Three()]) == [1, 4, 9]
    assert pool.map("is_prime", [2, 4]) == [True, False]
    assert pool.map("is_prime", [2, Three()]) == [True, True]
    with pytest.raises(ValueError, match="expected i64, got bool"):
        pool.map("square", [1, True])  # a bool is not an i64, on either way
