"""tf.saved_model.SaveOptions and LoadOptions: TF's arguments, kept as attributes for save()
(graphflow/saved_model/saving.py) and load() (loading.py) to read; those concerning TF's
runtime are accepted without effect.

    >>> tf.saved_model.SaveOptions().function_aliases
    {}
"""


class SaveOptions:
    """Options for tf.saved_model.save (TF's arguments). `function_aliases` is saved (read back
    with LoadOptions(experimental_load_function_aliases=True)); `experimental_skip_saver`
    leaves the variables out of the files. The others concern TF's runtime (devices, the
    protobuf image format, sharding) and are accepted without effect.

        >>> tf.saved_model.SaveOptions(function_aliases={"f": None}).function_aliases
        {'f': None}
    """

    def __init__(self, namespace_whitelist=None, save_debug_info=False, function_aliases=None,
                 experimental_debug_stripper=False, experimental_io_device=None,
                 experimental_variable_policy=None, experimental_custom_gradients=True,
                 experimental_image_format=False, experimental_skip_saver=False,
                 experimental_sharding_callback=None, extra_tags=None):
        self.namespace_whitelist = namespace_whitelist
        self.save_debug_info = save_debug_info
        self.function_aliases = function_aliases if function_aliases else {}
        self.experimental_debug_stripper = experimental_debug_stripper
        self.experimental_io_device = experimental_io_device
        self.experimental_variable_policy = experimental_variable_policy
        self.experimental_custom_gradients = experimental_custom_gradients
        self.experimental_image_format = experimental_image_format
        self.experimental_skip_saver = experimental_skip_saver
        self.experimental_sharding_callback = experimental_sharding_callback
        self.extra_tags = extra_tags


class LoadOptions:
    """Options for tf.saved_model.load (TF's arguments). `experimental_skip_checkpoint`
    leaves the variables at zero instead of reading them, `allow_partial_checkpoint` lets
    variables missing from the files stay zero, `experimental_load_function_aliases` makes
    `loaded.function_aliases`; the device and variable policies are accepted without effect.

        >>> options = tf.saved_model.LoadOptions(experimental_skip_checkpoint=True)
        >>> options.experimental_skip_checkpoint
        True
    """

    def __init__(self, allow_partial_checkpoint=False, experimental_io_device=None,
                 experimental_skip_checkpoint=False, experimental_variable_policy=None,
                 experimental_load_function_aliases=False):
        self.allow_partial_checkpoint = allow_partial_checkpoint
        self.experimental_io_device = experimental_io_device
        self.experimental_skip_checkpoint = experimental_skip_checkpoint
        self.experimental_variable_policy = experimental_variable_policy
        self.experimental_load_function_aliases = experimental_load_function_aliases
